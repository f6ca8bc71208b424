//go:build unix && !linux

package http1

import "net"

// tcpInfo is not available here ($tcpinfo_* are empty, as in nginx
// without TCP_INFO).
func tcpInfo(*net.TCPConn) (TCPInfo, bool) { return TCPInfo{}, false }
