//go:build unix

package upstream

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// Conn is a connection to the app.
type Conn interface {
	io.ReadWriteCloser
	SetDeadline(t time.Time) error
}

// connectSend opens a connection to d and sends req on it, within the
// connect timeout (nginx's proxy_connect_timeout; req is a request header,
// which goes out with the connection). The connection's deadline is then
// the read timeout from when the request was sent (proxy_read_timeout).
// Where connectSend cannot connect itself (a host name, a unix socket), a
// net.Dialer does, without SO_KEEPALIVE, as nginx sets none on upstream
// connections (proxy_socket_keepalive off).
//
// To an IP address it does what nginx's ngx_event_connect_peer does: a
// non-blocking socket, connect(2), and the request written as soon as the
// socket is writable, the descriptor going into the runtime poller as an
// *os.File. This spares what net.Dial adds for its own sake (the address
// lookup, TCP_NODELAY, SO_KEEPALIVE, getsockname and getpeername, a
// context with a timer). Errors read as net.Dial's do.
func connectSend(d Dest, req []byte, to Timeouts) (Conn, error) {
	start := time.Now()
	if d.TLS != nil {
		return connectTLS(d, req, to, start)
	}
	if !d.AP.IsValid() {
		dialer := net.Dialer{Timeout: to.Connect, KeepAlive: -1}
		c, err := dialer.Dial(d.Network, d.Addr)
		if err != nil {
			return nil, err
		}
		c.SetDeadline(time.Now().Add(to.Send))
		if _, err := c.Write(req); err != nil {
			c.Close()
			return nil, err
		}
		c.SetDeadline(time.Now().Add(to.Read))
		if to.Connected != nil {
			to.Connected(time.Since(start))
		}
		return c, nil
	}
	family := syscall.AF_INET
	var sa syscall.Sockaddr
	if d.AP.Addr().Is4() {
		sa = &syscall.SockaddrInet4{Port: int(d.AP.Port()), Addr: d.AP.Addr().As4()}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: int(d.AP.Port()), Addr: d.AP.Addr().As16()}
	}
	fd, err := newSocket(family)
	if err != nil {
		return nil, dialError(d, "socket", err)
	}
	switch err := syscall.Connect(fd, sa); err {
	case nil, syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
	default:
		syscall.Close(fd)
		return nil, dialError(d, "connect", err)
	}
	f := os.NewFile(uintptr(fd), d.Addr)
	f.SetDeadline(start.Add(to.Connect))
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, dialError(d, "connect", err)
	}
	// While the connection is being made a write fails with EAGAIN and
	// the poller waits for the socket to become writable; a connection
	// that failed reports its error (ECONNREFUSED...) to the write.
	sent, calls := 0, 0
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		calls++
		for sent < len(req) {
			n, err := syscall.Write(int(fd), req[sent:])
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return false
			case err != nil:
				werr = err
				return true
			}
			sent += n
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		f.Close()
		if sent == 0 {
			return nil, dialError(d, "connect", err)
		}
		return nil, &net.OpError{Op: "write", Net: d.Network, Addr: net.TCPAddrFromAddrPort(d.AP), Err: os.NewSyscallError("write", err)}
	}
	if to.Connected != nil {
		to.Connected(time.Since(start))
	}
	if calls > 1 || time.Since(start) > time.Millisecond {
		// The poller was waited on: the read timeout counts from now.
		f.SetDeadline(time.Now().Add(to.Read))
	} else if to.Read != to.Connect {
		f.SetDeadline(start.Add(to.Read))
	}
	return f, nil
}

// timedConn gives every read and write of an upstream connection its own
// deadline, as nginx's proxy_read_timeout and proxy_send_timeout bound the
// time between two operations, not the whole exchange.
type timedConn struct {
	Conn
	to Timeouts
}

func (c timedConn) Read(p []byte) (int, error) {
	c.SetDeadline(time.Now().Add(c.to.Read))
	return c.Conn.Read(p)
}

func (c timedConn) Write(p []byte) (int, error) {
	c.SetDeadline(time.Now().Add(c.to.Send))
	return c.Conn.Write(p)
}

// dialError is the error net.Dial gives for a failed step (syscall) of a
// connection to d.
func dialError(d Dest, step string, err error) error {
	if _, ok := err.(syscall.Errno); ok {
		err = os.NewSyscallError(step, err)
	}
	return &net.OpError{Op: "dial", Net: d.Network, Addr: net.TCPAddrFromAddrPort(d.AP), Err: err}
}

// ipAddrPort is host:port when host is an IP address nginx would connect
// to as it is (no zone), else the zero AddrPort.
func ipAddrPort(hostport string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil || ap.Addr().Zone() != "" || ap.Port() == 0 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// connectTLS is connectSend over TLS: the connection and the handshake
// within the connect timeout (nginx's proxy_connect_timeout covers both),
// then the request.
func connectTLS(d Dest, req []byte, to Timeouts, start time.Time) (Conn, error) {
	dialer := net.Dialer{Timeout: to.Connect, KeepAlive: -1}
	c, err := dialer.Dial(d.Network, d.Addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, d.TLS)
	tc.SetDeadline(start.Add(to.Connect))
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, &net.OpError{Op: "dial", Net: d.Network, Addr: c.RemoteAddr(), Err: fmt.Errorf("SSL handshake: %w", err)}
	}
	if to.Connected != nil {
		to.Connected(time.Since(start))
	}
	tc.SetDeadline(time.Now().Add(to.Send))
	if _, err := tc.Write(req); err != nil {
		tc.Close()
		return nil, err
	}
	tc.SetDeadline(time.Now().Add(to.Read))
	return tc, nil
}
