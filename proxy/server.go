//go:build unix

package proxy

import (
	"context"
	"net"
	"net/http"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// Server serves Handlers over HTTP/1.0 and 1.1 on plain TCP the way
// nginx's HTTP core does (see the http1 package): each connection is
// answered by the server blocks of its address, each request by the one
// its host chooses.
type Server struct {
	s     *http1.Server
	front *Front
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = http1.ErrServerClosed

// NewServer returns a Server that answers every request with h.
func NewServer(h *Handler) *Server {
	return NewFrontServer(&Front{one: single(h)})
}

// NewFrontServer returns a Server for the server blocks of f: each
// connection is answered by those of its address, each request by the one
// its host chooses, as nginx does.
func NewFrontServer(f *Front) *Server {
	return &Server{s: http1.NewServer(), front: f}
}

// Serve accepts connections on ln until Shutdown or Close (then it returns
// ErrServerClosed) or an accept error that is not temporary. A Front's
// connections are answered by the servers of the address they came in
// on.
func (s *Server) Serve(ln net.Listener) error { return s.ServeAs(ln, nil) }

// ServeAs is Serve on a socket that stands for the configuration's address
// g, wherever it is bound (a port moved by --listen-map, a wildcard bound
// on loopback). A connection to a socket that stands for nothing the
// configuration listens on is closed at once.
func (s *Server) ServeAs(ln net.Listener, g *nginx.ListenGroup) error {
	return s.s.Serve(ln, func(local net.Addr) http1.Sites {
		if v := s.front.vhostsFor(g, local); v != nil {
			return v
		}
		return nil
	})
}

// Shutdown stops accepting, closes idle connections and waits for the
// requests in progress to finish, until ctx is done; then it closes the
// rest and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error { return s.s.Shutdown(ctx) }

// Close stops accepting and closes every connection at once.
func (s *Server) Close() error { return s.s.Close() }

// site is a Handler as the client side sees it.
type site struct{ h *Handler }

func (s site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

func (s site) Reject(w http.ResponseWriter, r *http.Request, status int) { s.h.reject(w, r, status) }

func (s site) Reading() http1.Reading {
	return http1.Reading{Underscores: s.h.underscoresInHeaders, IgnoreInvalid: s.h.ignoreInvalidHeaders, Limits: s.h.serverConf.limits,
		MaxHeaders: s.h.maxHeaders, LimitHeaders: true, MergeSlashes: s.h.mergeSlashes}
}

// Default is the server that answers a connection until a host is known.
func (v *vhosts) Default() http1.Site { return site{v.def} }

// Pick is the server for a request to host, with what the choice leaves
// for the variables (the named captures of a regex server_name, the
// server's name) in the request's context.
func (v *vhosts) Pick(ctx context.Context, host string) (http1.Site, context.Context) {
	host = serverName(host)
	h, vars := v.pick(host)
	if vars != nil || host == "" {
		ctx = context.WithValue(ctx, vhostKey{}, &vhostVars{vars: vars, name: h.srv.NameOf(v.hostname)})
	}
	return site{h}, ctx
}

// abortResponse, closeAfterError, setLimits, expectTrailers, setTrailers,
// statusLine and noContinue reach the client side's writer under w (see
// http1.Abort, CloseAfter, SetLimits, ExpectTrailers, SetTrailers,
// StatusLine and NoContinue).
func abortResponse(w http.ResponseWriter) bool              { return http1.Abort(w) }
func closeAfterError(w http.ResponseWriter, status int)     { http1.CloseAfter(w, status) }
func setLimits(w http.ResponseWriter, l *http1.Limits)      { http1.SetLimits(w, *l) }
func expectTrailers(w http.ResponseWriter)                  { http1.ExpectTrailers(w) }
func setTrailers(w http.ResponseWriter, fields [][2]string) { http1.SetTrailers(w, fields) }
func statusLine(w http.ResponseWriter, text string)         { http1.StatusLine(w, text) }
func noContinue(w http.ResponseWriter)                      { http1.NoContinue(w) }

// bodyBytesSent, bytesSent, requestLength and pipelined read the client
// side's counts for the variables (see http1.BodyBytesSent, BytesSent,
// RequestLength and Pipelined).
func bodyBytesSent(w http.ResponseWriter) int64 { return http1.BodyBytesSent(w) }
func bytesSent(w http.ResponseWriter) int64     { return http1.BytesSent(w) }
func requestLength(w http.ResponseWriter) int64 { return http1.RequestLength(w) }
func pipelined(w http.ResponseWriter) bool      { return http1.Pipelined(w) }

// connTCPInfo is the TCP_INFO of w's connection (see http1.ConnTCPInfo).
func connTCPInfo(w http.ResponseWriter) (http1.TCPInfo, bool) { return http1.ConnTCPInfo(w) }
