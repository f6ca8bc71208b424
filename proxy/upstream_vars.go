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
// its variables: where it went, its status, how long the connection, the
// response header and the whole response took (-1: not reached), and the
// bytes it sent and received and of the response's body (counted once the
// body was passed on: relayed).
type upstreamState struct {
	addr                      string
	status                    int
	start                     time.Time
	connect, header, response time.Duration
	resp                      *upstream.Response
	relayed                   bool
	sent, received, length    int64
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
	rq.up.resp = resp
}

// upDone notes the end of the exchange: its time and its byte counts
// (ngx_http_upstream_finalize_request); the body's length only when it was
// passed on, as nginx counts what its pipe read.
func (rq *request) upDone() {
	if rq.up.response < 0 {
		rq.up.response = time.Since(rq.up.start)
		if rq.up.resp != nil {
			sent, received, header := rq.up.resp.Counts()
			rq.up.sent, rq.up.received = sent, received
			if rq.up.relayed {
				rq.up.length = received - header
			}
			rq.up.resp = nil
		}
	}
}

// upVar is the value of $upstream_addr, _status and the _time variables
// ("" before any upstream, "-" for a time not reached).
func (rq *request) upVar(name string) (string, bool) {
	switch name {
	case "upstream_addr", "upstream_status", "upstream_connect_time", "upstream_header_time", "upstream_response_time",
		"upstream_bytes_sent", "upstream_bytes_received", "upstream_response_length":
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
	case "upstream_bytes_sent":
		return strconv.FormatInt(u.sent, 10)
	case "upstream_bytes_received":
		return strconv.FormatInt(u.received, 10)
	case "upstream_response_length":
		return strconv.FormatInt(u.length, 10)
	}
	return ms(u.response)
}
