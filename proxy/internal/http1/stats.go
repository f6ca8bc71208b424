//go:build unix

package http1

import (
	"net/http"
	"sync/atomic"
)

// Stats are the counters of ngx_http_stub_status_module for a Server:
// connections accepted and handled, requests, and the connections open
// now, by what they do (reading a request header, writing a response,
// waiting for a request).
type Stats struct {
	Accepted, Handled, Requests atomic.Int64
	Active, Reading, Writing    atomic.Int64
	Waiting                     atomic.Int64
}

// connState is what a connection counts as in Stats.
type connState int

const (
	stateNone connState = iota
	stateWaiting
	stateReading
	stateWriting
)

// setState moves c from the count of its state to that of s.
func (c *conn) setState(s connState) {
	st := &c.s.stats
	if c.state == s {
		return
	}
	if n := st.counter(c.state); n != nil {
		n.Add(-1)
	}
	if n := st.counter(s); n != nil {
		n.Add(1)
	}
	c.state = s
}

func (st *Stats) counter(s connState) *atomic.Int64 {
	switch s {
	case stateWaiting:
		return &st.Waiting
	case stateReading:
		return &st.Reading
	case stateWriting:
		return &st.Writing
	}
	return nil
}

// ServerStats is the Stats of the Server r came to (nil for a request
// that did not come through one).
func ServerStats(r *http.Request) *Stats {
	st, _ := r.Context().Value(statsKey{}).(*Stats)
	return st
}

type statsKey struct{}

// TCPInfo is what the kernel says of a client connection ($tcpinfo_rtt,
// _rttvar, _snd_cwnd, _rcv_space).
type TCPInfo struct {
	RTT, RTTVar, SndCwnd, RcvSpace uint32
}

// ConnTCPInfo is TCPInfo for the connection of w; false where there is
// none (a unix socket, a writer that is not the server's, no TCP_INFO).
func ConnTCPInfo(w http.ResponseWriter) (TCPInfo, bool) {
	rw, ok := respWriterOf(w)
	if !ok || rw.c.tc == nil {
		return TCPInfo{}, false
	}
	return tcpInfo(rw.c.tc)
}
