// Package smoke is `xaccel smoke`: it asks a running server, from the
// outside, for the files an nginx configuration is meant to protect, the way
// an attacker would, and checks that the legitimate download path (the app
// answering with X-Accel-Redirect) still works.
//
// The probe plan comes from the nginx model (package nginx): every internal
// location, every location that serves user media by its name, and every
// --prefix is probed directly, in the encoded, case, HEAD and Range forms,
// through the off-by-slash form of the public alias locations next to it,
// through the regex locations that match names under it, and through the
// roots that hold its directory. A probe passes when the server answers
// anything but the file's bytes; see judge.go for what counts as the file.
//
// Requests go to the target's scheme, host and port only: redirects are not
// followed, the environment's HTTP proxy is not used, and a --via URL on
// another host is refused.
package smoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// Defaults of the bounds.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxRequests = 300
)

// Options are the settings of one smoke run.
type Options struct {
	// Target is the base URL of the server: http[s]://host[:port].
	Target string
	// Config is the nginx configuration the plan is derived from ("-" for
	// Stdin); "" for none. Model, when set, is used instead (xaccel serve
	// --smoke hands over the configuration it serves).
	Config string
	Model  *nginx.Config
	Stdin  io.Reader
	// ServerName picks the server block (default: the default server); when
	// set, every request carries it as the Host header.
	ServerName string
	// Prefixes are URL prefixes that hold protected files (--prefix).
	Prefixes []string
	// Samples are files known to exist in the protected area (--sample): a
	// path relative to each protected prefix, or a URL path under one.
	Samples []string
	// FilesDir is a local directory holding the protected files
	// (--files-dir): names to probe are listed from it and their bytes are
	// what a leak would send.
	FilesDir string
	// MapRoot rewrites the configuration's filesystem paths to local ones
	// (FROM, TO), as xaccel serve --map-root does.
	MapRoot [][2]string
	// Via are app download URLs (--via URL[=SHA256|=@FILE]).
	Via []string
	// Headers ("Name: value") and Cookies ("name=value") are sent with the
	// --via requests only: the direct probes go out without a session, as
	// an attacker's would.
	Headers []string
	Cookies []string
	// Timeout bounds each request; MaxRequests and MaxTime (when set)
	// bound the whole run.
	Timeout     time.Duration
	MaxRequests int
	MaxTime     time.Duration
}

// UsageError is a problem with the options or the configuration: nothing
// (or only the --via downloads) was sent.
type UsageError struct {
	Msg string
	Err error // the cause, when there is one to test for
}

func (e *UsageError) Error() string { return e.Msg }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// UnreachableError is a target that never answered with HTTP: it cannot
// be reached, it does not answer in time, or it speaks something else.
type UnreachableError struct {
	Target string
	Err    error
}

func (e *UnreachableError) Error() string {
	var ne net.Error
	switch {
	case errors.As(e.Err, &ne) && ne.Timeout():
		return fmt.Sprintf("%s did not answer within --timeout (%v): nothing could be tested; check that --target is the HTTP server, or raise --timeout", e.Target, e.Err)
	case isDialError(e.Err):
		return fmt.Sprintf("cannot reach %s: %v; check that the server is running and that --target names its scheme, host and port as seen from here", e.Target, e.Err)
	}
	return fmt.Sprintf("%s does not answer with HTTP (%v): nothing could be tested; check the scheme (http or https) and the port of --target", e.Target, e.Err)
}

func isDialError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns)
}

// MaxTimeError is a run stopped by --max-time: what was sent is not a
// verdict.
type MaxTimeError struct {
	MaxTime time.Duration
	Sent    int
}

func (e *MaxTimeError) Error() string {
	return fmt.Sprintf("stopped after --max-time %v with %d requests sent: nothing is reported as passed; raise --max-time, or probe fewer prefixes or samples", e.MaxTime, e.Sent)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Run builds the plan and sends it. The report is nil when err is set.
func Run(ctx context.Context, o Options) (rep *Report, err error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	base, err := parseTarget(o.Target)
	if err != nil {
		return nil, err
	}
	cfg := o.Model
	if cfg == nil && o.Config != "" {
		c, err := nginx.Load(o.Config, nginx.LoadOptions{Stdin: o.Stdin})
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		cfg = c
	}
	if cfg != nil && len(cfg.Errors) > 0 {
		return nil, usagef("%v (run xaccel lint for all problems)", cfg.Errors[0])
	}
	vias := make([]*Via, 0, len(o.Via))
	for _, v := range o.Via {
		via, err := parseVia(v, base)
		if err != nil {
			return nil, err
		}
		vias = append(vias, via)
	}
	session, err := sessionHeader(o.Headers, o.Cookies)
	if err != nil {
		return nil, err
	}
	if (len(o.Headers) > 0 || len(o.Cookies) > 0) && len(vias) == 0 {
		return nil, usagef("--header and --cookie are sent with the --via downloads only; give a --via URL")
	}
	if len(vias) > o.MaxRequests {
		return nil, usagef("%d --via downloads are more than --max-requests %d", len(vias), o.MaxRequests)
	}
	pin := PlanInput{Config: cfg, ServerName: o.ServerName, Prefixes: o.Prefixes, Samples: o.Samples, FilesDir: o.FilesDir, MapRoot: o.MapRoot}
	if _, err := NewPlan(pin); err != nil && len(vias) == 0 {
		// Report a plan that cannot be built before anything is sent.
		return nil, err
	}
	host := o.ServerName
	c := newClient(base, host, o.Timeout)
	defer c.close()
	if o.MaxTime > 0 {
		parent := ctx
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.MaxTime)
		defer cancel()
		defer func() {
			if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				rep, err = nil, &MaxTimeError{MaxTime: o.MaxTime, Sent: c.sent}
			}
		}()
	}
	rep = &Report{Target: base.String()}

	// The legitimate path first: what it downloads is a file whose bytes
	// and name are then known, and the direct probes ask for it too.
	for _, v := range vias {
		res, learned, err := c.runVia(ctx, v, session)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, res...)
		pin.Learned = append(pin.Learned, learned...)
	}
	plan, err := NewPlan(pin)
	if err != nil {
		if len(vias) > 0 && errors.Is(err, errNothingToProbe) {
			rep.Notes = append(rep.Notes, "no protected prefix to probe directly, only the --via downloads were checked: "+err.Error())
			rep.Requests = c.sent
			return rep, nil
		}
		return nil, err
	}
	rep.Notes = append(rep.Notes, plan.Notes...)
	if need := len(vias) + plan.Requests(); need > o.MaxRequests {
		return nil, usagef("the plan needs up to %d requests, more than --max-requests %d; raise --max-requests, or probe fewer prefixes or samples", need, o.MaxRequests)
	}
	res, err := c.runPlan(ctx, plan)
	if err != nil {
		return nil, err
	}
	rep.Results = append(rep.Results, res...)
	rep.Results = append(rep.Results, plan.untested()...)
	rep.Requests = c.sent
	return rep, nil
}

// parseTarget checks --target: an http or https URL with a host and no
// path, query or credentials.
func parseTarget(s string) (*url.URL, error) {
	if s == "" {
		return nil, usagef("--target is required: the base URL of the server to probe, for example https://files.example.com")
	}
	if !strings.Contains(s, "://") {
		return nil, usagef("--target %q has no scheme: write http://%s (or https://%s)", s, strings.TrimLeft(s, "/"), strings.TrimLeft(s, "/"))
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, usagef("--target %q: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, usagef("--target %q: want http://HOST[:PORT] or https://HOST[:PORT]", s)
	}
	if u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("--target %q: give only the scheme, host and port; the probes choose the paths", s)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}
