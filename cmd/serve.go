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
		Long: `Serve one server block of an nginx configuration the way nginx would:
location choice, internal, return, proxy_pass to your app, X-Accel-Redirect
(with the headers nginx keeps and drops), and static files. Use it in
development instead of a "redirect to the public URL" fallback, so the app's
permission code runs exactly as in production.

--demo needs no configuration: it serves an embedded site whose page links a
protected file directly (404) and through a small built-in app (200).

Directives that change behaviour and are not emulated are listed at start-up
with their file:line; --strict makes them fatal. Access directives are never
only listed: with allow, deny, auth_basic, auth_request, secure_link,
disable_symlinks, limit_except, limit_req, limit_conn, or an if block that
denies or returns an error, nginx refuses requests that serve would answer,
so serve refuses to start, naming each with its file:line, unless
--allow-unemulated names the directive.

An --upstream NAME that the configuration never sends a request to (no
proxy_pass http://NAME, no upstream NAME block) and a --map-root whose
local directory does not exist are refused at start-up: the message lists
the names the configuration uses, with their file:line, or says which
directory to give.

Exit codes: 0 stopped by a signal, 2 usage error, unreadable or unusable
configuration, an --upstream or --map-root that cannot work, or the address
cannot be bound. With --smoke, the exit code of the probes (0, 1 or 2).`,
		Example: `  xaccel serve --demo
  xaccel serve -c deploy/nginx.conf --upstream app=http://127.0.0.1:8000 --map-root /srv/app=./var
  xaccel serve -c nginx.conf --listen 127.0.0.1:0 --ready-file /tmp/addr --trace`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runServe(c, o, stdin)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.config, "config", "c", "", "the nginx configuration `FILE` to serve (- for standard input)")
	f.StringVar(&o.prefix, "prefix", "", "resolve relative includes against `DIR` (default: the configuration's directory)")
	f.StringVar(&o.serverName, "server-name", "", "serve the server block with this server_name `NAME` (default: the default server)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "listen on `ADDR` (port 0 picks a free one); a non-loopback address must be given explicitly")
	f.StringArrayVar(&o.upstreams, "upstream", nil, "point an upstream block or proxy_pass host at a local app: `NAME=URL` (repeatable)")
	f.StringArrayVar(&o.mapRoots, "map-root", nil, "serve files under production path FROM from local path TO: `FROM=TO` (repeatable)")
	f.StringVar(&o.readyFile, "ready-file", "", "write the bound address to `FILE` once listening")
	f.BoolVar(&o.trace, "trace", false, "print one line per request: locations chosen, internal redirects, the file sent, the status")
	f.BoolVar(&o.strict, "strict", false, "refuse to start when a directive is not emulated")
	f.StringArrayVar(&o.allow, "allow-unemulated", nil, "start although the configuration uses the access directive `NAME` (deny, auth_basic, if, ...), answering the requests nginx would refuse (repeatable)")
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
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return usagef("--listen %s: %v", o.listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) && !c.Flags().Changed("listen") {
		return usagef("--listen: refusing to bind %s without an explicit --listen", o.listen)
	}
	hopts := proxy.Options{ServerName: o.serverName, Upstreams: map[string]string{}, AllowUnemulated: o.allow}
	for _, u := range o.upstreams {
		name, url, ok := strings.Cut(u, "=")
		if !ok || name == "" || !strings.HasPrefix(url, "http://") {
			return usagef("--upstream %q: want NAME=http://HOST:PORT", u)
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
		Config: o.config, Prefix: o.prefix, Demo: o.demo, Listen: o.listen, ReadyFile: o.readyFile,
		Strict: o.strict, Handler: hopts, Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr(), Stdin: stdin,
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
