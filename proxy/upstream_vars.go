//go:build unix

// The $upstream_* variables: what one request learned from the apps it
// talked to (addresses, statuses, times, header values), in nginx's
// comma-separated form.

package proxy

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

// upstreamState is what nginx's upstream module keeps of an exchange for
// its variables: where it went, its status, and how long the connection,
// the response header and the whole response took (-1: not reached).
type upstreamState struct {
	addr                      string
	status                    int
	start                     time.Time
	connect, header, response time.Duration
}

// upTimes starts the state of an exchange with addr and returns the
// timeouts to use for it, which note when the connection is made.
func (rq *request) upTimes(addr string, to upstream.Timeouts) upstream.Timeouts {
	rq.up = upstreamState{addr: addr, start: time.Now(), connect: -1, header: -1, response: -1}
	to.Connected = func(d time.Duration) { rq.up.connect = d }
	return to
}

// upHeader notes the response header's arrival (resp nil: none came).
func (rq *request) upHeader(resp *upstream.Response) {
	if resp == nil {
		rq.up.status = http.StatusBadGateway
		return
	}
	rq.up.header = time.Since(rq.up.start)
	if rq.up.connect < 0 {
		rq.up.connect = 0 // a kept connection
	}
	rq.up.status = resp.Status
}

// upDone notes the end of the exchange.
func (rq *request) upDone() {
	if rq.up.response < 0 {
		rq.up.response = time.Since(rq.up.start)
	}
}

// upVar is the value of $upstream_addr, _status and the _time variables
// ("" before any upstream, "-" for a time not reached).
func (rq *request) upVar(name string) (string, bool) {
	switch name {
	case "upstream_addr", "upstream_status", "upstream_connect_time", "upstream_header_time", "upstream_response_time":
	default:
		return "", false
	}
	if rq.up.addr == "" {
		return "", true
	}
	if len(rq.upPast) == 0 {
		return rq.up.value(name), true
	}
	// Each server tried, in order (proxy_next_upstream).
	parts := make([]string, 0, len(rq.upPast)+1)
	for i := range rq.upPast {
		parts = append(parts, rq.upPast[i].value(name))
	}
	return strings.Join(append(parts, rq.up.value(name)), ", "), true
}

// value is one exchange's part of $name.
func (u *upstreamState) value(name string) string {
	ms := func(d time.Duration) string {
		if d < 0 {
			return "-"
		}
		return fmt.Sprintf("%d.%03d", d/time.Second, d%time.Second/time.Millisecond)
	}
	switch name {
	case "upstream_addr":
		return u.addr
	case "upstream_status":
		if u.status != 0 {
			return strconv.Itoa(u.status)
		}
		return ""
	case "upstream_connect_time":
		return ms(u.connect)
	case "upstream_header_time":
		return ms(u.header)
	}
	return ms(u.response)
}
