//go:build unix

// Package http1 is xaccel serve's client side: it reads requests from
// HTTP/1.0 and 1.1 connections and frames the responses the way nginx's
// HTTP core does, and hands each request to the Site (one server block)
// the connection's address and the request's host choose.
package http1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// Server serves Sites over HTTP/1.0 and 1.1 on plain TCP the way
// nginx's HTTP core does: requests are read and refused as nginx reads and
// refuses them (parse.go: 400, 414, 494, 501, 505 and 405 for TRACE,
// through the server's error_page, on a connection that then closes), and
// responses are framed as nginx's header and chunked filters frame them
// (write.go): nginx's status lines, a Date, "Connection: keep-alive"
// or "close", chunked encoding for a body of unknown length to HTTP/1.1
// clients and the end of the connection for HTTP/1.0 ones. A response and
// its header go out in one write when they fit in 16 KiB; a bigger file is
// sent with sendfile(2).
//
// Timeouts and limits are the Site's (see Limits), nginx's defaults
// otherwise: 60 s to read a request header
// (client_header_timeout, the address's default server's), 75 s idle
// between requests (keepalive_timeout), 60 s for each write
// (send_timeout) and between two reads of a body (client_body_timeout); a
// connection is closed after 1000 requests (keepalive_requests), with a
// lingering close (5 s, 30 s in all) when the server ends it.
type Server struct {
	mu    sync.Mutex
	lns   map[net.Listener]bool
	conns map[*conn]bool
	// closed is set, under mu, by Shutdown and Close; connections read it
	// without the lock between requests.
	closed atomic.Bool
	wg     sync.WaitGroup
	// stats are stub_status's counters.
	stats Stats
}

// Site answers the requests of one server block.
type Site interface {
	// ServeHTTP answers a request whose header was read whole.
	ServeHTTP(w http.ResponseWriter, r *http.Request)
	// Reject answers a request refused while it was read, with status
	// (r has what was read of it).
	Reject(w http.ResponseWriter, r *http.Request, status int)
	// Reading is how the server block reads header lines, and its
	// connection limits until a location is chosen.
	Reading() Reading
}

// Reading is how a server block reads requests: underscores_in_headers,
// ignore_invalid_headers, and its limits.
type Reading struct {
	Underscores, IgnoreInvalid bool
	Limits                     Limits
	// MaxHeaders is max_headers when LimitHeaders is set: a request with
	// more header lines is refused (494, "Request Header Or Cookie Too
	// Large"). Unset, there is no limit.
	MaxHeaders   int
	LimitHeaders bool
	// MergeSlashes is merge_slashes, with which the request target is
	// checked (a target that climbs above the root is refused).
	MergeSlashes bool
}

// ConnInfo is what a request knows of its connection: its serial number
// ($connection: 1 for the first the server accepted), how many requests
// it has carried, this one included ($connection_requests), and since
// when it is open ($connection_time).
type ConnInfo struct {
	Serial   uint64
	Requests int
	Start    time.Time // when it was accepted ($connection_time)
	// TLS is what the Sites learnt of the TLS handshake (see
	// TLSSites.Handshaken); nil on plain HTTP.
	TLS any
	// Proxy is the PROXY protocol header the connection started with
	// (see ProxyProtocolSites); nil on an address without proxy_protocol.
	Proxy *ProxyHeader
}

type connInfoKey struct{}

var connSerial atomic.Uint64

// Conn returns the ConnInfo of the connection r came on, or nil.
func Conn(r *http.Request) *ConnInfo {
	ci, _ := r.Context().Value(connInfoKey{}).(*ConnInfo)
	return ci
}

// Sites are the server blocks one connection can reach.
type Sites interface {
	// Default answers until the request's host is known.
	Default() Site
	// Pick is the Site for a request to host (as the request gave it, ""
	// without one), and ctx with what the choice leaves for the request.
	Pick(ctx context.Context, host string) (Site, context.Context)
}

// TLSSites are Sites of an address where nginx speaks TLS (listen ...
// ssl): a connection there starts with a TLS handshake with TLSConfig,
// or, when its first byte is no TLS hello, is read as plain HTTP and each
// request refused with StatusPlainHTTPToHTTPS once its header is read, as
// ngx_http_ssl_handshake and ngx_http_process_request do. TLSConfig nil:
// plain HTTP.
//
// Handshaken is called once a handshake on a connection ends, successful
// or not, with the connection the TLS configuration's callbacks saw
// (ClientHelloInfo.Conn); what it returns becomes ConnInfo.TLS.
type TLSSites interface {
	Sites
	TLSConfig() *tls.Config
	Handshaken(hello net.Conn) any
}

// Route gives the Sites of a connection to local; nil closes it at once.
type Route func(local net.Addr) Sites

// Limits are a connection's timeouts and keepalive limits: Header bounds
// the reading of a request header (client_header_timeout), Body each read
// of a body (client_body_timeout), Send each write (send_timeout),
// Keepalive the wait for the next request (keepalive_timeout; 0: no
// keep-alive), KeepaliveHeader the "Keep-Alive: timeout=N" sent (0: none),
// KeepaliveRequests the requests per connection.
type Limits struct {
	Header, Body, Send         time.Duration
	Keepalive, KeepaliveHeader time.Duration
	KeepaliveRequests          int
	// KeepaliveTime is keepalive_time: how long a connection may carry
	// requests; NoKeepaliveMSIE6 and NoKeepaliveSafari are
	// keepalive_disable msie6 (the default) and safari.
	KeepaliveTime                       time.Duration
	NoKeepaliveMSIE6, NoKeepaliveSafari bool
	// HeaderFirst is client_header_buffer_size; HeaderLine and
	// HeaderBuffers are large_client_header_buffers: the longest request
	// line or header line, and how many such buffers the part of the
	// header that overflows the first may take.
	HeaderFirst, HeaderLine, HeaderBuffers int
	// NoChunked is chunked_transfer_encoding off: a body of unknown
	// length ends with the connection instead of going out chunked.
	NoChunked bool
}

// DefaultLimits are nginx's defaults.
var DefaultLimits = Limits{
	Header: 60 * time.Second, Body: 60 * time.Second, Send: 60 * time.Second,
	Keepalive: 75 * time.Second, KeepaliveRequests: 1000,
	KeepaliveTime: time.Hour, NoKeepaliveMSIE6: true,
	HeaderFirst: 1024, HeaderLine: lineLimit, HeaderBuffers: 4,
}

// LineSizer is a Sites that knows the longest header line any of its
// servers accepts (the largest large_client_header_buffers size), which
// the connection's reader must hold.
type LineSizer interface {
	MaxHeaderLine() int
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("proxy: server closed")

const (
	lingeringTimeout = 5 * time.Second
	lingeringTime    = 30 * time.Second
	// outBufSize is the response buffer of a connection: a header and a
	// body that fit go out in one write.
	outBufSize = 16 << 10
)

// NewServer returns a Server.
func NewServer() *Server {
	return &Server{lns: map[net.Listener]bool{}, conns: map[*conn]bool{}}
}

// Serve accepts connections on ln until Shutdown or Close (then it returns
// ErrServerClosed) or an accept error that is not temporary. route gives
// each connection its Sites.
func (s *Server) Serve(ln net.Listener, route Route) error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[ln] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	base := context.Background()
	backoff := 5 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closed.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) {
				// Out of descriptors: wait for some to be freed, as
				// nginx disables accept for a while.
				time.Sleep(backoff)
				backoff = min(2*backoff, time.Second)
				continue
			}
			return err
		}
		backoff = 5 * time.Millisecond
		c := &conn{s: s, nc: nc, remote: nc.RemoteAddr().String()}
		if nc.LocalAddr().Network() == "unix" {
			// A client of a unix socket has no address: nginx's
			// $remote_addr is "unix:".
			c.remote = "unix:"
		}
		if c.vh = route(nc.LocalAddr()); c.vh == nil {
			nc.Close()
			continue
		}
		c.tc, _ = nc.(*net.TCPConn)
		if ts, ok := c.vh.(TLSSites); ok {
			c.tlsConf = ts.TLSConfig()
		}
		c.start = time.Now()
		c.info = &ConnInfo{Serial: connSerial.Add(1), Start: c.start}
		c.ctx = context.WithValue(context.WithValue(context.WithValue(base, http.LocalAddrContextKey, nc.LocalAddr()),
			connInfoKey{}, c.info), statsKey{}, &s.stats)
		s.stats.Accepted.Add(1)
		s.stats.Handled.Add(1)
		s.stats.Active.Add(1)
		c.setState(stateWaiting)
		c.idle.Store(true)
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

// stopListening marks the server closed and closes its listeners.
func (s *Server) stopListening() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed.Store(true)
	for ln := range s.lns {
		ln.Close()
	}
}

// closeConns closes the connections waiting for a request (all of them
// with idleOnly false) and reports how many are left.
func (s *Server) closeConns(idleOnly bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if !idleOnly || c.idle.Load() {
			c.nc.Close()
		}
	}
	return len(s.conns)
}

// Shutdown stops accepting, closes idle connections and waits for the
// requests in progress to finish, until ctx is done; then it closes the
// rest and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopListening()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for s.closeConns(true) > 0 {
		select {
		case <-ctx.Done():
			s.closeConns(false)
			s.wg.Wait()
			return ctx.Err()
		case <-tick.C:
		}
	}
	s.wg.Wait()
	return nil
}

// Close stops accepting and closes every connection at once.
func (s *Server) Close() error {
	s.stopListening()
	s.closeConns(false)
	s.wg.Wait()
	return nil
}

// conn is one client connection.
type conn struct {
	info   *ConnInfo // $connection, $connection_requests
	start  time.Time // when it was accepted (keepalive_time)
	s      *Server
	nc     net.Conn
	tc     *net.TCPConn // nc, when it is TCP (for sendfile)
	ctx    context.Context
	remote string // the client's address, for Request.RemoteAddr
	br     *bufio.Reader
	in     countReader // under br: what came in on the connection
	out    []byte      // the response being written, not yet sent
	// reqStart is where the request being served starts in what came in
	// (after the empty lines before its request line); pipelined is set
	// when it was read with the one before it ($request_length, $pipe).
	reqStart  int64
	pipelined bool
	// state is what the connection counts as in the Server's Stats.
	state    connState
	idle     atomic.Bool
	requests int
	broken   bool // a write failed or the response was cut short
	keys     []string
	// vh are the server blocks of the connection's address; cur is the
	// one answering the request being read: the default server until the
	// host is known (nginx reads the header lines after Host with the
	// settings of the server it chose), and reading how it reads them.
	vh      Sites
	cur     Site
	reading Reading
	// limits are those of the location answering the request (the
	// server's until one is chosen), then of the last response.
	limits Limits
	// tlsConf is set on an address where nginx speaks TLS; then tlsState
	// is the connection's once its handshake is done, or plainOnTLS is set
	// when the client spoke plain HTTP.
	tlsConf    *tls.Config
	tlsState   *tls.ConnectionState
	tlsConn    *tls.Conn
	plainOnTLS bool
}

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, lineLimit) }}
	outPool    = sync.Pool{New: func() any { b := make([]byte, 0, outBufSize); return &b }}
)

func (c *conn) serve() {
	pooled := true
	if ls, ok := c.vh.(LineSizer); ok && ls.MaxHeaderLine() > lineLimit {
		c.in.r = c.nc
		c.br, pooled = bufio.NewReaderSize(&c.in, ls.MaxHeaderLine()), false
	} else {
		c.in.r = c.nc
		c.br = readerPool.Get().(*bufio.Reader)
		c.br.Reset(&c.in)
	}
	op := outPool.Get().(*[]byte)
	c.out = (*op)[:0]
	defer func() {
		// Out of the counts before the client sees the connection
		// close, as nginx (ngx_http_close_connection).
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.setState(stateNone)
		c.s.stats.Active.Add(-1)
		c.s.mu.Unlock()
		c.nc.Close()
		c.br.Reset(nil)
		if pooled {
			readerPool.Put(c.br)
		}
		*op = c.out[:0]
		outPool.Put(op)
		c.s.wg.Done()
	}()
	if pp, ok := c.vh.(ProxyProtocolSites); ok && pp.ProxyProtocol() {
		if !c.readProxyHeader() {
			return
		}
		c.in.r = c.nc
	}
	if c.tlsConf != nil {
		if !c.handshake() {
			return
		}
		c.in = countReader{r: c.nc}
		c.br.Reset(&c.in)
	}
	for {
		c.idle.Store(true)
		if c.s.closed.Load() {
			return
		}
		// ngx_http_set_keepalive: what is left of the last read is a
		// pipelined request.
		c.pipelined = c.requests > 0 && c.br.Buffered() > 0
		if c.br.Buffered() == 0 {
			// Waiting for a request: nginx closes silently when the
			// client says nothing in time.
			wait := c.limits.Keepalive
			if c.requests == 0 {
				wait = c.vh.Default().Reading().Limits.Header
			}
			c.nc.SetReadDeadline(time.Now().Add(wait))
			if _, err := c.br.Peek(1); err != nil {
				return
			}
		}
		c.idle.Store(false)
		c.setState(stateReading) // ngx_http_alloc_request
		c.s.stats.Requests.Add(1)
		if c.requests > 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.vh.Default().Reading().Limits.Header))
		}
		c.requests++
		c.info.Requests = c.requests
		if !c.serveRequest() {
			c.linger()
			return
		}
	}
}

// handshake starts a connection to an address where nginx speaks TLS as
// ngx_http_ssl_handshake does: within client_header_timeout, a first byte
// of 0x16 (a TLS record) or with its high bit set (an SSLv2 hello) starts
// the handshake, anything else is plain HTTP (see TLSSites). false: the
// connection ends (nothing came, or the handshake failed).
func (c *conn) handshake() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.vh.Default().Reading().Limits.Header))
	var first [1]byte
	if n, err := c.nc.Read(first[:]); n == 0 || err != nil {
		return false
	}
	pc := &prefixConn{Conn: c.nc, pre: first[:]}
	if first[0]&0x80 == 0 && first[0] != 0x16 {
		c.plainOnTLS = true
		c.s.mu.Lock()
		c.nc = pc
		c.s.mu.Unlock()
		return true
	}
	tc := tls.Server(pc, c.tlsConf)
	c.s.mu.Lock()
	c.nc = tc
	c.s.mu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.vh.Default().Reading().Limits.Header))
	err := tc.Handshake()
	if ts, ok := c.vh.(TLSSites); ok {
		c.info.TLS = ts.Handshaken(pc)
	}
	if err != nil {
		return false
	}
	st := tc.ConnectionState()
	c.tlsState, c.tlsConn = &st, tc
	return true
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// consumed is how many bytes of what came in on the connection have been
// read out of its buffer.
func (c *conn) consumed() int64 { return c.in.n - int64(c.br.Buffered()) }

// readProxyHeader reads the PROXY protocol header the connection starts
// with, within client_header_timeout; what came after it stays for the
// request (or the TLS handshake). false: no valid header came, and the
// connection ends without an answer, as nginx ends it.
func (c *conn) readProxyHeader() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.vh.Default().Reading().Limits.Header))
	buf := make([]byte, 0, 512)
	for {
		h, used, need, err := parseProxyHeader(buf)
		if err != nil {
			return false
		}
		if need == 0 {
			c.info.Proxy = &h
			if rest := buf[used:]; len(rest) > 0 {
				c.s.mu.Lock()
				c.nc = &prefixConn{Conn: c.nc, pre: rest}
				c.s.mu.Unlock()
			}
			return true
		}
		if len(buf)+need > len(proxyV2Sig)+4+0xffff {
			return false
		}
		if cap(buf)-len(buf) < need {
			buf = append(buf, make([]byte, need)...)[:len(buf)]
		}
		n, err := c.nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n == 0 && err != nil {
			return false
		}
	}
}

// prefixConn is a connection whose first bytes, pre, were read already.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// linger is nginx's lingering close, for a connection the server ends after
// a response: the sending side is shut, and what the client still sends
// is read and dropped, for up to lingeringTimeout at a time and
// lingeringTime in all, so that the client reads the response instead of
// a reset caused by data left unread.
func (c *conn) linger() {
	if c.tlsConn != nil {
		// nginx's SSL_shutdown: close_notify, then the lingering close.
		c.tlsConn.CloseWrite()
	}
	if c.tc == nil || c.tc.CloseWrite() != nil {
		return
	}
	c.idle.Store(true) // Shutdown need not wait for it
	end := time.Now().Add(lingeringTime)
	buf := make([]byte, 4096)
	for {
		d := time.Now().Add(lingeringTimeout)
		if d.After(end) {
			d = end
		}
		c.nc.SetReadDeadline(d)
		if _, err := c.nc.Read(buf); err != nil {
			return
		}
	}
}

// serveRequest reads one request and answers it; false ends the
// connection.
func (c *conn) serveRequest() bool {
	r, length, chunked, status := c.readRequest()
	if r == nil {
		return false // the client went away, or timed out, mid-header
	}
	c.setState(stateWriting) // ngx_http_process_request
	defer c.setState(stateWaiting)
	if status == 0 && c.plainOnTLS {
		status = StatusPlainHTTPToHTTPS
	}
	w := &respWriter{c: c, req: r, hdr: http.Header{}, cl: -1}
	c.limits = c.reading.Limits
	c.nc.SetWriteDeadline(time.Now().Add(c.limits.Send))
	if status != 0 {
		w.keepAlive = false
		c.cur.Reject(w, r, status)
		w.finish()
		return false
	}
	w.keepAlive = wantsKeepAlive(r.ProtoMinor, r.Header) // and the limits, at the header
	var body *bodyReader
	// nginx answers "Expect: 100-continue" when it reads or discards the
	// body (ngx_http_test_expect), even an empty one.
	expect := r.ProtoMinor > 0 && len(r.Header["Expect"]) > 0 && strings.EqualFold(r.Header["Expect"][0], "100-continue")
	if length > 0 || chunked || expect {
		body = &bodyReader{c: c}
		if chunked {
			body.r = wire.NewChunked(c.br, maxTrailer)
		} else {
			body.r = &exactBody{r: c.br, n: length}
		}
		body.expect = expect
		r.Body = body
		w.body = body
	}
	c.cur.ServeHTTP(w, r)
	w.finish()
	if !w.keepAlive || c.broken {
		return false
	}
	if body != nil && !body.done {
		// What the handler did not read is read and dropped, as
		// ngx_http_discard_request_body does, to find the next request
		// (60 s a read: client_body_timeout).
		if _, err := io.Copy(io.Discard, body); err != nil {
			return false
		}
	}
	return true
}
