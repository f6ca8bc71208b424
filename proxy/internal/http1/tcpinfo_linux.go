//go:build linux

package http1

import (
	"net"

	"golang.org/x/sys/unix"
)

// tcpInfo is what TCP_INFO says of tc: the round-trip time and its
// variance (µs), the congestion window and the receive space.
func tcpInfo(tc *net.TCPConn) (TCPInfo, bool) {
	rc, err := tc.SyscallConn()
	if err != nil {
		return TCPInfo{}, false
	}
	var ti *unix.TCPInfo
	rc.Control(func(fd uintptr) {
		ti, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	if err != nil || ti == nil {
		return TCPInfo{}, false
	}
	return TCPInfo{RTT: ti.Rtt, RTTVar: ti.Rttvar, SndCwnd: ti.Snd_cwnd, RcvSpace: ti.Rcv_space}, true
}
