//go:build unix

// Package upstream is xaccel serve's side towards the app: connecting
// (dial.go), sending a request built by the caller and reading the
// response header and body framing the way nginx's proxy module reads them
// (response.go), and the connections kept for `keepalive` upstreams
// (RoundTrip, Pool). What the response means (X-Accel-Redirect, headers
// passed or hidden, error pages) is the caller's.
package upstream

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// Dest is where a request to the app goes.
type Dest struct {
	Network, Addr string
	Key           string         // Network + " " + Addr: the Pool key
	AP            netip.AddrPort // Addr when it is an IP address and port
	Keepalive     int            // `keepalive N` of the upstream block: idle connections kept
	// The upstream block's keepalive_requests (requests on one kept
	// connection), keepalive_timeout (how long one stays idle) and
	// keepalive_time (how long one is used); 0: nginx's defaults, 1000,
	// 60 s and 1 h.
	KeepRequests          int
	KeepTimeout, KeepTime time.Duration
	// TLS, when set, makes the connection TLS with this configuration
	// (proxy_pass https://); Key should then say so.
	TLS *tls.Config
}

// HostDest is the Dest of host[:port] (defaultPort when there is none) or
// of unix:/path, with keepalive idle connections.
func HostDest(host, defaultPort string, keepalive int) Dest {
	d := Dest{Keepalive: keepalive}
	if strings.HasPrefix(host, "unix:") {
		d.Network, d.Addr = "unix", host[5:]
		d.Key = d.Network + " " + d.Addr
		return d
	}
	d.Network = "tcp"
	if _, _, err := net.SplitHostPort(host); err == nil {
		d.Addr = host
	} else {
		d.Addr = net.JoinHostPort(strings.Trim(host, "[]"), defaultPort)
	}
	d.Key = d.Network + " " + d.Addr
	d.AP = ipAddrPort(d.Addr)
	return d
}

// Timeouts are proxy_connect_timeout, proxy_send_timeout and
// proxy_read_timeout: each bounds one operation (connecting, one write,
// one read), not the whole exchange.
type Timeouts struct {
	Connect, Send, Read time.Duration
	// Connected, when set, is told how long a new connection took to
	// open (to its first byte written: $upstream_connect_time).
	Connected func(time.Duration)
}

// RoundTrip sends req, the request nginx's proxy module would build
// (ngx_http_proxy_create_request, see Handler.doProxy), and reads the
// response header the way ngx_http_proxy_process_status_line and
// ngx_http_parse_header_line do.
//
// body, when set, is a spooled request body sent after req (from its start
// on every attempt).
func RoundTrip(d Dest, req []byte, body *io.SectionReader, method string, limit int, to Timeouts, pool *Pool, mayKeep bool) (*Response, error) {
	// A kept connection the app has closed in the meantime fails at once:
	// then the request goes once more on a new connection, as nginx retries
	// a cached keepalive connection.
	for attempt := 0; ; attempt++ {
		conn, reused := pool.get(d)
		send := req
		if conn == nil {
			var err error
			conn, err = connectSend(d, req, to) // sets the deadline
			if err != nil {
				return nil, err
			}
			send = nil
			if pool != nil && mayKeep {
				pool.born(conn)
			}
		}
		resp, err := exchange(conn, send, len(req)-len(send), sectionSender(body), method, limit, to)
		if err != nil {
			pool.forget(conn)
			conn.Close()
			if reused && attempt == 0 {
				continue
			}
			return nil, err
		}
		if pool != nil && mayKeep {
			resp.pool, resp.dest = pool, d
		}
		return resp, nil
	}
}

// exchange writes req (unless it is nil: already sent, sent bytes of it)
// on conn and reads the response header, of at most limit bytes.
func exchange(conn Conn, req []byte, sent int, send func(io.Writer) error, method string, limit int, to Timeouts) (*Response, error) {
	cc := &Counts{Conn: timedConn{conn, to}, Sent: int64(sent)}
	if req != nil {
		if _, err := cc.Write(req); err != nil {
			return nil, err
		}
	}
	if send != nil {
		if err := send(cc); err != nil {
			return nil, err
		}
	}
	br := getReader(cc)
	resp, err := readHeader(br, limit)
	if err != nil {
		putReader(br)
		return nil, err
	}
	resp.conn, resp.br = conn, br
	resp.counts, resp.header = cc, cc.Received-int64(br.Buffered())
	resp.Body = bodyOf(br, resp, method)
	conn0, _ := resp.First("Connection")
	resp.Keepable = resp.proto11 && !strings.EqualFold(strings.TrimSpace(conn0), "close") && framed(resp, method)
	return resp, nil
}

// Pool keeps idle upstream connections for upstream blocks with
// `keepalive N`, used when the location sends HTTP/1.1 without a
// Connection header (proxy_http_version 1.1; proxy_set_header Connection "").
type Pool struct {
	mu    sync.Mutex
	idle  map[string][]idleConn
	max   map[string]int
	stats map[Conn]*connStat // the connections that may be kept
}

// idleConn is a kept connection and since when it is idle.
type idleConn struct {
	c     Conn
	since time.Time
}

// connStat is what keepalive_requests and keepalive_time count.
type connStat struct {
	start    time.Time
	requests int
}

func NewPool() *Pool {
	return &Pool{idle: map[string][]idleConn{}, max: map[string]int{}, stats: map[Conn]*connStat{}}
}

// get returns an idle connection to d, or nil; a nil pool has none. One
// idle past keepalive_timeout is closed on the way.
func (p *Pool) get(d Dest) (Conn, bool) {
	if p == nil {
		return nil, false
	}
	timeout := orDefault(d.KeepTimeout, 60*time.Second)
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		l := p.idle[d.Key]
		if len(l) == 0 {
			return nil, false
		}
		ic := l[len(l)-1]
		p.idle[d.Key] = l[:len(l)-1]
		if time.Since(ic.since) <= timeout {
			return ic.c, true
		}
		delete(p.stats, ic.c)
		ic.c.Close()
	}
}

// born notes a new connection that may be kept.
func (p *Pool) born(c Conn) {
	p.mu.Lock()
	p.stats[c] = &connStat{start: time.Now()}
	p.mu.Unlock()
}

// forget drops what the pool knows of c, which is being closed.
func (p *Pool) forget(c Conn) {
	if p == nil {
		return
	}
	p.mu.Lock()
	delete(p.stats, c)
	p.mu.Unlock()
}

// put keeps conn for d unless the pool for d is full, the connection has
// carried keepalive_requests requests or been in use longer than
// keepalive_time (ngx_http_upstream_free_keepalive_peer). Its deadline
// stays: a deadline that passes while the connection is idle does nothing,
// and RoundTrip sets a new one before using it again.
func (p *Pool) put(d Dest, conn Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stats[conn]
	if st == nil {
		st = &connStat{start: time.Now()}
		p.stats[conn] = st
	}
	st.requests++
	if len(p.idle[d.Key]) >= p.max[d.Key] || st.requests >= orDefault(d.KeepRequests, 1000) ||
		time.Since(st.start) > orDefault(d.KeepTime, time.Hour) {
		delete(p.stats, conn)
		conn.Close()
		return
	}
	p.idle[d.Key] = append(p.idle[d.Key], idleConn{conn, time.Now()})
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// use returns the pool for a request to d (nil without `keepalive` in its
// upstream block: then every request has a connection of its own), and
// whether the connection may be kept afterwards: only for HTTP/1.1 without
// a Connection header in the request. Like nginx's keepalive module, a
// cached connection is taken for any request to the block.
func (p *Pool) Use(d Dest, version string, hasConnection bool) (*Pool, bool) {
	if d.Keepalive <= 0 {
		return nil, false
	}
	p.mu.Lock()
	if p.max[d.Key] != d.Keepalive {
		p.max[d.Key] = d.Keepalive
	}
	p.mu.Unlock()
	if version != "1.1" || hasConnection {
		return p, false
	}
	return p, true
}

// readerSize is the buffer an upstream response is read with.
const readerSize = 16 << 10

var readerPool sync.Pool

func getReader(r io.Reader) *bufio.Reader {
	if br, ok := readerPool.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, readerSize)
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readerPool.Put(br)
}

// Connect opens a connection to d and sends first on it, as RoundTrip
// does (see connectSend), for the clients of other protocols (FastCGI,
// uwsgi). Reads and writes on the connection it returns have a deadline
// of their own each (the read and send timeouts).
func Connect(d Dest, first []byte, to Timeouts) (Conn, error) {
	c, err := connectSend(d, first, to)
	if err != nil {
		return nil, err
	}
	return timedConn{c, to}, nil
}

// ConnectKept is Connect for a client of another protocol whose
// connections may be kept (FastCGI with fastcgi_keep_conn): an idle
// connection to d from pool is used first (reused set), else a new one,
// which the pool then counts. c is for reading and writing (with the
// timeouts), raw is what the pool knows (Forget, Wrap). fresh asks for a
// new connection (after a kept one the app had closed).
func ConnectKept(d Dest, first []byte, to Timeouts, pool *Pool, fresh bool) (c, raw Conn, reused bool, err error) {
	if ic, ok := pool.get(d); ok && !fresh {
		tc := timedConn{ic, to}
		if _, err := tc.Write(first); err == nil {
			return tc, ic, true, nil
		}
		pool.forget(ic)
		ic.Close()
	} else if ok {
		pool.put(d, ic) // fresh asked for: the idle one stays idle
	}
	raw, err = connectSend(d, first, to)
	if err != nil {
		return nil, nil, false, err
	}
	pool.born(raw)
	return timedConn{raw, to}, raw, false, nil
}

// Forget closes c, a connection ConnectKept gave, for good.
func (p *Pool) Forget(c Conn) {
	p.forget(c)
	c.Close()
}

// KeepIn makes Close give resp's connection back to pool for d once its
// body was read to its end (FastCGI's END_REQUEST).
func (u *Response) KeepIn(pool *Pool, d Dest) {
	u.pool, u.dest, u.Keepable = pool, d, true
}

// Counts is a connection that counts the bytes of one exchange: Sent
// ($upstream_bytes_sent) and Received ($upstream_bytes_received).
type Counts struct {
	Conn
	Sent, Received int64
}

func (c *Counts) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.Received += int64(n)
	return n, err
}

func (c *Counts) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.Sent += int64(n)
	return n, err
}

// Counted notes the counts of the exchange resp came from, and the size of
// its header (what came before its body), for the clients of other
// protocols.
func (u *Response) Counted(c *Counts, header int64) { u.counts, u.header = c, header }

// Counts are the bytes the exchange sent and received so far, and the
// size of the response's header (zero when nothing was counted).
func (u *Response) Counts() (sent, received, header int64) {
	if u.counts == nil {
		return 0, 0, 0
	}
	return u.counts.Sent, u.counts.Received, u.header
}

// Wrap is the Response of another protocol's client: status, the header
// lines, the body to read, on conn, which Close closes (never kept).
func Wrap(status int, lines []HeaderLine, body io.Reader, conn Conn) *Response {
	return &Response{Status: status, Lines: lines, Body: body, conn: conn}
}

// sectionSender sends a spooled body from its start (on every attempt).
func sectionSender(body *io.SectionReader) func(io.Writer) error {
	if body == nil {
		return nil
	}
	return func(w io.Writer) error {
		_, err := io.Copy(w, io.NewSectionReader(body, 0, body.Size()))
		return err
	}
}

// Stream is a request body sent to the app as the client sends it
// (proxy_request_buffering off), with Content-Length framing (the
// client's) or in chunks. ClientErr is what reading it ended with when the
// client's side failed (cut, too slow, malformed): the app has then seen
// part of a body whose framing says it is not whole.
type Stream struct {
	R         io.Reader
	Chunked   bool
	ClientErr error
	ended     bool // the last chunk went with the request's header
}

// ErrClientBody is RoundTripStream's error when the client's body failed
// (see Stream.ClientErr).
var ErrClientBody = errors.New("the client's body ended before it was whole")

// RoundTripStream is RoundTrip with a body sent as it is read: on a new
// connection (a body read once cannot be sent again on another), which may
// be kept afterwards.
func RoundTripStream(d Dest, req []byte, s *Stream, method string, limit int, to Timeouts, pool *Pool, mayKeep bool) (*Response, error) {
	conn, err := connectSend(d, req, to)
	if err != nil {
		return nil, err
	}
	if pool != nil && mayKeep {
		pool.born(conn)
	}
	resp, err := exchange(conn, nil, len(req), s.send, method, limit, to)
	if err != nil {
		pool.forget(conn)
		conn.Close()
		return nil, err
	}
	if pool != nil && mayKeep {
		resp.pool, resp.dest = pool, d
	}
	return resp, nil
}

// AppendChunk appends p to b as a chunk (none when p is empty), and the
// last chunk when last; Stream.send then sends nothing more.
func (s *Stream) AppendChunk(b, p []byte, last bool) []byte {
	if len(p) > 0 {
		b = strconv.AppendUint(b, uint64(len(p)), 16)
		b = append(b, "\r\n"...)
		b = append(b, p...)
		b = append(b, "\r\n"...)
	}
	if last {
		b = append(b, "0\r\n\r\n"...)
		s.ended = true
	}
	return b
}

// send copies the body to w as it arrives, each read going out at once
// (with the last chunk when the read that ended the body brought data).
func (s *Stream) send(w io.Writer) error {
	if s.ended {
		return nil
	}
	b := wire.GetBuf()
	defer wire.PutBuf(b)
	var out []byte
	for {
		n, rerr := s.R.Read(*b)
		if rerr != nil && rerr != io.EOF {
			if n > 0 {
				if s.Chunked {
					out = s.AppendChunk(out[:0], (*b)[:n], false)
					w.Write(out)
				} else {
					w.Write((*b)[:n])
				}
			}
			s.ClientErr = rerr
			return ErrClientBody
		}
		if !s.Chunked {
			if n > 0 {
				if _, err := w.Write((*b)[:n]); err != nil {
					return err
				}
			}
			if rerr == io.EOF {
				return nil
			}
			continue
		}
		if n > 0 || rerr == io.EOF {
			out = s.AppendChunk(out[:0], (*b)[:n], rerr == io.EOF)
			if _, err := w.Write(out); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
	}
}
