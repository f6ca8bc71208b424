//go:build unix

package cmd

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy"
	"github.com/xaccel/xaccel/smoke"
)

type serveOptions struct {
	config     string
	prefix     string
	serverName string
	listen     string
	listenMap  []string
	portOffset int
	asConfig   bool
	skipListen bool
	devCert    bool
	upstreams  []string
	mapRoots   []string
	readyFile  string
	trace      bool
	strict     bool
	allow      []string
	demo       bool
	smoke      bool
	via        []string
}

func newServeCmd(stdin io.Reader) *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve (-c nginx.conf | --demo)",
		Short: "Run a stand-in for nginx that performs X-Accel-Redirect as nginx does",
		Long: `Serve the server blocks of an nginx configuration the way nginx would:
server choice, location choice, internal, return, proxy_pass to your app,
X-Accel-Redirect (with the headers nginx keeps and drops), and static files.
Use it in development instead of a "redirect to the public URL" fallback, so
the app's permission code runs exactly as in production.

Listening. Without --listen, serve binds the addresses the listen
directives of the http servers name (a server without listen has nginx's
*:80 when started as root, *:8000 otherwise), and chooses the server block
as nginx does: by the address and port the connection came in on (an
address named explicitly beats the wildcard of its port), then by the
request's host (the request target's, else the Host header's; lower-cased,
port and trailing dot removed) against server_name: exact name, longest
leading wildcard (*.example.com, .example.com), longest trailing wildcard
(www.example.*), first matching regex in configuration order, else the
address's default_server, else its first server. A request without a host
(HTTP/1.0) goes to the server named "" (a server without server_name has
that name), else the default.

Serve never binds more than asked: a wildcard (listen 80, *:80, [::]:80) is
bound on loopback (127.0.0.1 or ::1), and a non-loopback address is refused
unless --listen-map moves it or --bind-as-configured is given. --listen-map
FROM=TO moves one address (FROM: 80 for every address on port 80, or
127.0.0.1:80, *:80, [::]:80; TO: a port, keeping the address serve would
use, or an address:port bound as given); --port-offset N adds N to every
port no --listen-map moves (80 -> 8080 with 8000). Connections keep the
server choice of the configured address. A listen on a unix socket is
bound where it says (a stale socket file is replaced, as nginx does; a
file that is not a socket, or a socket in use, is left alone and serve
stops). A listen with proxy_protocol reads the PROXY protocol header
(versions 1 and 2) a load balancer sends first, as nginx does: a
connection without a valid one is closed unanswered, and
$proxy_protocol_addr and real_ip_header proxy_protocol give its address. A
listen with quic, or http2 without ssl, cannot be served: serve refuses to
start, naming it with file:line, unless --skip-unsupported-listens leaves
those addresses out.

TLS. Where nginx speaks TLS (a listen with ssl, or the deprecated ssl on in
the address's default server) serve does too, with each server's
ssl_certificate and ssl_certificate_key (relative paths from the
configuration prefix, or data:PEM; names with variables are loaded at each
handshake; encrypted keys are opened with ssl_password_file): the
client's SNI name picks the server as a host does, the default server's
certificate answers the rest, ssl_reject_handshake is honoured. A
certificate or key that cannot be read stops serve, as it stops nginx;
--dev-cert replaces it with a generated self-signed ECDSA certificate for
the server's names, localhost, 127.0.0.1 and ::1 (in memory, announced with
its SHA-256 fingerprint; browsers warn about it). ssl_protocols sets the
versions (serve speaks TLSv1.2 and TLSv1.3 only, as OpenSSL 3 at its
default security level; without it TLSv1.2, as nginx 1.22); ssl_ciphers is
read but Go's TLS chooses its own suites (a warning says so).
ssl_verify_client (on, optional, optional_no_ca) checks client
certificates against ssl_client_certificate as nginx does (495, 496);
ssl_crl and ssl_ocsp with it are refused. Sessions resume on the server
that made them, within ssl_session_timeout. The $ssl_* variables are
set. http2 on a listen
with ssl is served as HTTP/1.1: only http/1.1 is offered by ALPN, and a
client that offers only h2 is refused. Over TLS $scheme is https, $https
is on, and absolute redirects use https:// (the port left out when 443). A
plain HTTP request to a TLS address gets nginx's 400 "The plain HTTP
request was sent to HTTPS port" (or the server's error_page 497).

--listen ADDR serves every server block on that one address instead: the
host chooses among all of them in configuration order (a name given twice
belongs to the first), and the default server (the first with
default_server on any listen, else the first) answers the rest. Listens
with ssl and the like are then served in plain HTTP, with a warning for
each. --server-name NAME serves only the server block with that
server_name, for every host, on --listen (127.0.0.1:8080 when not given).

--demo needs no configuration: it serves an embedded site whose page links a
protected file directly (404) and through a small built-in app (200).

Directives that change behaviour and are not emulated are listed at start-up
with their file:line; --strict makes them fatal. The access phase runs as in
nginx (allow, deny, auth_basic with its user file, satisfy, auth_request,
limit_except blocks of those, disable_symlinks), limit_req and limit_conn
(zones shared by every server; burst, nodelay, delay=, the status codes,
dry run), secure_link's variables, and so do the rewrite module (rewrite,
return, set, break, if), map, geo, split_clients and valid_referers. Access
directives serve does not emulate are never only listed: with auth_jwt, a limit_except or
if block holding other directives that refuses requests, set_real_ip_from
beside allow/deny, or an if whose condition depends on a variable serve does
not evaluate ($geoip_*, $gzip_ratio...), nginx refuses requests that
serve would answer, so serve refuses to start, naming each with its
file:line, unless --allow-unemulated names the directive (or the variable,
as '$name').

An --upstream NAME that the configuration never sends a request to (no
proxy_pass http://NAME, no upstream NAME block) and a --map-root whose
local directory does not exist are refused at start-up: the message lists
the names the configuration uses, with their file:line, or says which
directory to give.

Exit codes: 0 stopped by a signal, 2 usage error, unreadable or unusable
configuration, an --upstream or --map-root that cannot work, a listen that
cannot be served, or an address that cannot be bound. With --smoke, the exit code of the probes (0, 1 or 2).`,
		Example: `  xaccel serve --demo
  xaccel serve -c deploy/nginx.conf --upstream app=http://127.0.0.1:8000 --map-root /srv/app=./var
  xaccel serve -c deploy/nginx.conf --port-offset 8000 --skip-unsupported-listens
  xaccel serve -c deploy/nginx.conf --listen-map 80=8080 --listen-map 443=8443 --dev-cert
  xaccel serve -c deploy/nginx.conf --listen-map 80=8080 --listen-map 127.0.0.1:81=8081
  xaccel serve -c nginx.conf --listen 127.0.0.1:0 --ready-file /tmp/addr --trace`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runServe(c, o, stdin)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.config, "config", "c", "", "the nginx configuration `FILE` to serve (- for standard input)")
	f.StringVar(&o.prefix, "prefix", "", "nginx's prefix `DIR`: relative includes and root and alias paths start there, and a server without root serves DIR/html (default: the configuration's directory)")
	f.StringVar(&o.serverName, "server-name", "", "serve only the server block with this server_name `NAME`, for every host, on --listen (default 127.0.0.1:8080)")
	f.StringVar(&o.listen, "listen", "", "serve every server block on `ADDR` alone (port 0 picks a free one), chosen by host, instead of the configuration's listen addresses")
	f.StringArrayVar(&o.listenMap, "listen-map", nil, "bind the configuration's listen address FROM on TO: `FROM=TO`, each a port or an address:port (80=8080, *:80=127.0.0.1:8080; repeatable)")
	f.IntVar(&o.portOffset, "port-offset", 0, "add `N` to the port of every listen address no --listen-map moves")
	f.BoolVar(&o.asConfig, "bind-as-configured", false, "bind wildcard and non-loopback listen addresses as written (default: wildcards on loopback, other addresses refused)")
	f.BoolVar(&o.skipListen, "skip-unsupported-listens", false, "leave out listens with quic or http2 without ssl instead of refusing to start")
	f.BoolVar(&o.devCert, "dev-cert", false, "serve a generated self-signed certificate where an ssl_certificate or its key cannot be read, instead of refusing to start")
	f.StringArrayVar(&o.upstreams, "upstream", nil, "point an upstream block, a proxy_pass host or a fastcgi_pass/uwsgi_pass address at a local app: `NAME=URL`, URL being http://HOST:PORT, HOST:PORT or unix:/PATH (repeatable)")
	f.StringArrayVar(&o.mapRoots, "map-root", nil, "serve files under production path FROM from local path TO: `FROM=TO` (repeatable)")
	f.StringVar(&o.readyFile, "ready-file", "", "write the bound address to `FILE` once listening")
	f.BoolVar(&o.trace, "trace", false, "print one line per request: locations chosen, internal redirects, the file sent, the status")
	f.BoolVar(&o.strict, "strict", false, "refuse to start when a directive is not emulated")
	f.StringArrayVar(&o.allow, "allow-unemulated", nil, "start although the configuration uses the access directive `NAME` serve does not emulate (auth_jwt, if, ..., or a variable as '$name'), answering the requests nginx would refuse (repeatable)")
	f.BoolVar(&o.demo, "demo", false, "serve the embedded demo site instead of a configuration")
	f.BoolVar(&o.smoke, "smoke", false, "run the xaccel smoke probes against the server once it listens, stop, and exit with their result")
	f.StringArrayVar(&o.via, "via", nil, "with --smoke: an app download `URL` that must work, optionally =SHA256 or =@FILE for the expected body, as xaccel smoke --via (repeatable)")
	return c
}

func runServe(c *cobra.Command, o *serveOptions, stdin io.Reader) error {
	if o.demo == (o.config != "") {
		return usagef("give either -c nginx.conf or --demo")
	}
	if len(o.via) > 0 && !o.smoke {
		return usagef("--via is checked by the smoke probes: add --smoke")
	}
	if o.serverName != "" && o.listen == "" {
		o.listen = "127.0.0.1:8080"
	}
	bind := proxy.BindOptions{PortOffset: o.portOffset, AsConfigured: o.asConfig, SkipUnsupported: o.skipListen}
	for _, m := range o.listenMap {
		lm, err := proxy.ParseListenMap(m)
		if err != nil {
			return usagef("%v", err)
		}
		bind.Map = append(bind.Map, lm)
	}
	if o.listen != "" || o.smoke && !c.Flags().Changed("listen") {
		for _, name := range []string{"listen-map", "port-offset", "bind-as-configured", "skip-unsupported-listens"} {
			if c.Flags().Changed(name) {
				return usagef("--%s moves the configuration's listen addresses; --listen (or --server-name, --smoke) serves one address instead: give one or the other", name)
			}
		}
	}
	if o.listen != "" {
		if _, _, err := net.SplitHostPort(o.listen); err != nil {
			return usagef("--listen %s: %v", o.listen, err)
		}
	}
	hopts := proxy.Options{ServerName: o.serverName, Upstreams: map[string]string{}, AllowUnemulated: o.allow}
	for _, u := range o.upstreams {
		name, url, ok := strings.Cut(u, "=")
		if !ok || name == "" || !validUpstreamURL(url) {
			return usagef("--upstream %q: want NAME=http://HOST:PORT, NAME=HOST:PORT or NAME=unix:/PATH (a php-fpm or uwsgi socket)", u)
		}
		hopts.Upstreams[name] = url
	}
	for _, m := range o.mapRoots {
		from, to, ok := strings.Cut(m, "=")
		if !ok || from == "" || to == "" {
			return usagef("--map-root %q: want FROM=TO", m)
		}
		hopts.MapRoot = append(hopts.MapRoot, [2]string{from, to})
	}
	if o.trace {
		hopts.Trace = c.ErrOrStderr()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sopts := proxy.ServeOptions{
		Config: o.config, Prefix: o.prefix, Demo: o.demo, Listen: o.listen, Bind: bind, ReadyFile: o.readyFile,
		Strict: o.strict, DevCert: o.devCert, Handler: hopts, Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr(), Stdin: stdin,
	}
	if o.smoke {
		return serveSmoke(c, ctx, o, sopts)
	}
	if err := proxy.Serve(ctx, sopts); err != nil {
		return usagef("serve: %v", err)
	}
	return nil
}

// demoDownload is a download the demo app grants.
const demoDownload = "/download/report.txt"

// serveSmoke serves, runs the smoke probes against the server once it
// listens (the report on standard output, serve's own messages on standard
// error), stops it and returns the probes' result.
func serveSmoke(c *cobra.Command, ctx context.Context, o *serveOptions, sopts proxy.ServeOptions) error {
	if !c.Flags().Changed("listen") {
		sopts.Listen = "127.0.0.1:0"
	}
	sopts.Stdout = c.ErrOrStderr()
	type ready struct {
		addr string
		cfg  *nginx.Config
	}
	readyc := make(chan ready, 1)
	sopts.Ready = func(addr string, cfg *nginx.Config) { readyc <- ready{addr, cfg} }
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- proxy.Serve(sctx, sopts) }()
	var r ready
	select {
	case r = <-readyc:
	case err := <-done:
		if err == nil {
			err = errors.New("stopped before listening")
		}
		return usagef("serve: %v", err)
	}
	opts := smoke.Options{Target: "http://" + r.addr, Model: r.cfg, ServerName: o.serverName, MapRoot: sopts.Handler.MapRoot}
	opts.Via = o.via
	if o.demo && len(opts.Via) == 0 {
		opts.Via = []string{demoDownload}
	}
	err := smokeReport(c, ctx, opts, "text")
	cancel()
	<-done
	return err
}

// validUpstreamURL reports whether --upstream's value is something serve
// connects to: an http:// URL, a unix:PATH socket, or HOST:PORT.
func validUpstreamURL(v string) bool {
	switch {
	case strings.HasPrefix(v, "http://"):
		return len(v) > len("http://")
	case strings.HasPrefix(v, "unix:"):
		return len(v) > len("unix:")
	}
	host, port, err := net.SplitHostPort(v)
	return err == nil && host != "" && port != ""
}
