package cmd

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/xaccel/xaccel/smoke"
)

type smokeOptions struct {
	target      string
	config      string
	serverName  string
	prefixes    []string
	samples     []string
	filesDir    string
	mapRoots    []string
	via         []string
	headers     []string
	cookies     []string
	format      string
	timeout     time.Duration
	maxTime     time.Duration
	maxRequests int
}

func newSmokeCmd(stdin io.Reader) *cobra.Command {
	o := &smokeOptions{}
	c := &cobra.Command{
		Use:   "smoke --target URL [-c nginx.conf] [flags]",
		Short: "Prove that a running server protects its media, from the outside",
		Long: `Ask a running server for the protected files the way an attacker would,
and check that the legitimate download through the app still works.

The probes come from the nginx configuration (-c), through the same
exposure analysis as xaccel lint: every internal location, every location
named like user media, and every --prefix is asked for directly and for its
files, in encoded, double-encoded, upper-case, HEAD and Range forms; and
every way the configuration lets an outside request reach a protected file
(a missing internal, a regex location that wins, an alias off by a slash, a
root that holds the directory, a rewrite into the internal location) is
asked for with a real file, each request confirmed by the routing model
first. A probe passes when the answer is not the file's bytes: with
--files-dir (or the configuration's directory, when it exists here) the
bytes are compared; otherwise a 2xx answer is compared with the answer for
a name that does not exist. An exposure for which no file is known is
reported as UNTESTED, never as passed.

--via downloads through the app and checks the body, Content-Disposition,
X-Content-Type-Options: nosniff, a private or no-store Cache-Control, and
that no X-Accel-* header reaches the client.

Requests go to the target's host and port only; redirects are not followed
and no HTTP proxy is used. All flags: docs/usage.md.

Exit codes:
  0  every probe passed
  1  a probe failed
  2  nothing could be decided: usage error, unreadable configuration, the
     plan needs more than --max-requests, the target cannot be reached or
     does not answer HTTP, --max-time ran out, or an exposure of the
     configuration could not be tested (no file known)`,
		Example: `  xaccel smoke --target https://files.example.com -c deploy/nginx.conf --via /download/42
  xaccel smoke --target http://127.0.0.1:8080 --prefix /media/ --sample invoices/1.pdf
  xaccel smoke --target https://staging.example.com -c nginx.conf --files-dir ./media \
      --via "/download/7=@media/report.pdf" --cookie sessionid=abc --format junit > smoke.xml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runSmoke(c, o, stdin)
		},
	}
	f := c.Flags()
	f.StringVar(&o.target, "target", "", "the base `URL` of the server to probe: http[s]://HOST[:PORT]")
	f.StringVarP(&o.config, "config", "c", "", "derive the probes from this nginx configuration `FILE` (- for standard input)")
	f.StringVar(&o.serverName, "server-name", "", "probe the server block with this server_name `NAME`, sent as the Host header (default: the default server)")
	f.StringArrayVar(&o.prefixes, "prefix", nil, "a URL `PREFIX` that holds protected files, such as /media/ (repeatable)")
	f.StringArrayVar(&o.samples, "sample", nil, "a protected file to ask for: `PATH` relative to the prefix, or a URL path under it (repeatable)")
	f.StringVar(&o.filesDir, "files-dir", "", "a local `DIR` with the protected files: names to ask for, and the bytes a leak would send")
	f.StringArrayVar(&o.mapRoots, "map-root", nil, "read the files of the configuration's path FROM in the local path TO: `FROM=TO` (repeatable)")
	f.StringArrayVar(&o.via, "via", nil, "an app download `URL` that must work, optionally =SHA256 or =@FILE for the expected body (repeatable)")
	f.StringArrayVar(&o.headers, "header", nil, "send `\"NAME: VALUE\"` with the --via downloads (repeatable)")
	f.StringArrayVar(&o.cookies, "cookie", nil, "send the cookie `NAME=VALUE` with the --via downloads (repeatable)")
	f.StringVar(&o.format, "format", "text", "report `FORMAT`: "+strings.Join(smoke.Formats, ", "))
	f.DurationVar(&o.timeout, "timeout", smoke.DefaultTimeout, "give up on one request after `DURATION`")
	f.IntVar(&o.maxRequests, "max-requests", smoke.DefaultMaxRequests, "send at most `N` requests; a plan that needs more is refused before it starts")
	f.DurationVar(&o.maxTime, "max-time", 0, "stop the whole run after `DURATION` and exit 2 (default: no limit beyond --timeout per request and --max-requests)")
	c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return c
}

func runSmoke(c *cobra.Command, o *smokeOptions, stdin io.Reader) error {
	if err := smoke.CheckFormat(o.format); err != nil {
		return usagef("%v", err)
	}
	if o.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	if o.maxRequests <= 0 {
		return usagef("--max-requests must be positive")
	}
	if o.maxTime < 0 {
		return usagef("--max-time must not be negative")
	}
	opts := smoke.Options{
		Target: o.target, Config: o.config, Stdin: stdin, ServerName: o.serverName,
		Prefixes: o.prefixes, Samples: o.samples, FilesDir: o.filesDir, Via: o.via,
		Headers: o.headers, Cookies: o.cookies, Timeout: o.timeout, MaxRequests: o.maxRequests, MaxTime: o.maxTime,
	}
	for _, m := range o.mapRoots {
		from, to, ok := strings.Cut(m, "=")
		if !ok || from == "" || to == "" {
			return usagef("--map-root %q: want FROM=TO", m)
		}
		opts.MapRoot = append(opts.MapRoot, [2]string{from, to})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return smokeReport(c, ctx, opts, o.format)
}

// smokeReport runs the probes and writes the report; shared with
// xaccel serve --smoke.
func smokeReport(c *cobra.Command, ctx context.Context, opts smoke.Options, format string) error {
	rep, err := smoke.Run(ctx, opts)
	if err != nil {
		return usagef("smoke: %v", err)
	}
	if err := smoke.Write(c.OutOrStdout(), format, rep); err != nil {
		return err
	}
	if code := rep.ExitCode(); code != 0 {
		return &exitError{code}
	}
	return nil
}
