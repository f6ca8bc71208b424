//go:build unix

package proxy

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

// nextUpstream is proxy_next_upstream with proxy_next_upstream_tries and
// proxy_next_upstream_timeout: when a request to one server of an
// upstream block fails in one of the ways named (error: it could not be
// connected, sent or read; timeout; invalid_header; http_500 and the
// other statuses), it goes to the next server (upstreamServers' order),
// as ngx_http_upstream_next does. A request with a non-idempotent method
// (POST, LOCK, PATCH) goes on only if it was not sent, unless
// non_idempotent is named. The default is "error timeout".
type nextUpstream struct {
	err, timeout, invalidHeader, nonIdempotent bool
	statuses                                   map[int]bool
	tries                                      int           // 0: no limit
	deadline                                   time.Duration // 0: no limit
}

// nextUpstreamAt reads prefix+"next_upstream" (and _tries, _timeout) at
// levels.
func nextUpstreamAt(levels []*nginx.Directive, prefix string) nextUpstream {
	n := nextUpstream{err: true, timeout: true}
	if d := nearest(levels, prefix+"next_upstream"); d != nil {
		n = nextUpstream{}
		for _, a := range d.Args {
			switch {
			case a == "error":
				n.err = true
			case a == "timeout":
				n.timeout = true
			case a == "invalid_header":
				n.invalidHeader = true
			case a == "non_idempotent":
				n.nonIdempotent = true
			case strings.HasPrefix(a, "http_"):
				if code, err := strconv.Atoi(a[5:]); err == nil {
					if n.statuses == nil {
						n.statuses = map[int]bool{}
					}
					n.statuses[code] = true
				}
			}
		}
	}
	if d := nearest(levels, prefix+"next_upstream_tries"); d != nil {
		n.tries, _ = strconv.Atoi(d.Arg(0))
	}
	if d := nearest(levels, prefix+"next_upstream_timeout"); d != nil {
		n.deadline, _ = parseTime(d.Arg(0))
	}
	return n
}

// retry reports whether an attempt that ended with err, or with resp's
// status, goes on to the next server.
func (n *nextUpstream) retry(err error, resp *upstream.Response, method string) bool {
	idempotent := method != http.MethodPost && method != "LOCK" && method != http.MethodPatch
	if err != nil {
		var oe *net.OpError
		notSent := errors.As(err, &oe) && oe.Op == "dial"
		if !idempotent && !notSent && !n.nonIdempotent {
			return false
		}
		var ne net.Error
		switch {
		case errors.Is(err, upstream.ErrInvalidHeader), errors.Is(err, upstream.ErrTooBigHeader):
			return n.invalidHeader
		case errors.As(err, &ne) && ne.Timeout():
			return n.timeout
		}
		return n.err
	}
	if resp == nil || !n.statuses[resp.Status] {
		return false
	}
	return idempotent || n.nonIdempotent
}

// last reports whether attempt i (from 0) of the n servers is the last
// one allowed, begun at start.
func (n *nextUpstream) last(i, servers int, start time.Time) bool {
	return i+1 >= servers || n.tries > 0 && i+1 >= n.tries || n.deadline > 0 && time.Since(start) >= n.deadline
}
