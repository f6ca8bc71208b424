//go:build unix

package proxy

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/xaccel/xaccel/internal/atomicfile"
	"github.com/xaccel/xaccel/nginx"
)

// ServeOptions are the settings of `xaccel serve`.
type ServeOptions struct {
	Config string // the nginx configuration; ignored with Demo
	Prefix string // include prefix (default: the config's directory)
	Demo   bool
	// Listen, when set, is the one address every server block is served
	// on (see FrontOptions.Collapse; with Handler.ServerName, only that
	// server). Unset, serve binds the configuration's listen addresses,
	// as Bind says.
	Listen    string
	Bind      BindOptions
	ReadyFile string // written with the bound addresses, one a line, once listening
	Strict    bool   // directives that are not emulated are fatal
	// DevCert serves a generated development certificate where an
	// ssl_certificate or its key cannot be read (see TLSOptions).
	DevCert bool
	Handler Options
	Stdout  io.Writer // start-up messages
	Stderr  io.Writer // warnings
	Stdin   io.Reader // for Config "-"
	// Ready, if set, is called once listening, with the (first) bound address and
	// the configuration being served (for the demo: the embedded one, with
	// its temporary paths).
	Ready func(addr string, cfg *nginx.Config)
}

// ConfigError is a configuration that cannot be served (a syntax error,
// no server block, a directive not emulated with Strict).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Serve runs the server until ctx is done.
func Serve(ctx context.Context, o ServeOptions) error {
	if o.Listen == "" && o.Handler.ServerName != "" {
		return &ConfigError{Msg: "a server name chooses the one server block served on --listen ADDR; without --listen every server block is served where its listen says"}
	}
	tuneRuntime()
	var cfg *nginx.Config
	if o.Demo {
		dir, err := os.MkdirTemp("", "xaccel-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		app, stop, err := startDemo(dir)
		if err != nil {
			return err
		}
		defer stop()
		if o.Handler.Upstreams == nil {
			o.Handler.Upstreams = map[string]string{}
		}
		o.Handler.Upstreams["demoapp"] = app
		src, err := demoFS.ReadFile("demo/nginx.conf")
		if err != nil {
			return err
		}
		cfg = nginx.LoadBytes(filepath.Join(dir, "nginx.conf"), []byte(strings.ReplaceAll(string(src), "DEMO_ROOT", dir)), nginx.LoadOptions{Prefix: dir})
	} else {
		var err error
		cfg, err = nginx.Load(o.Config, nginx.LoadOptions{Prefix: o.Prefix, Stdin: o.Stdin})
		if err != nil {
			return err
		}
	}
	if len(cfg.Errors) > 0 {
		return &ConfigError{Msg: cfg.Errors[0].Error() + " (run xaccel lint for all problems)"}
	}
	if o.Handler.ConfPrefix == "" {
		o.Handler.ConfPrefix = o.Prefix
	}
	lopts := ListenDefaults()
	front, warns, err := NewFront(cfg, o.Handler, FrontOptions{Listen: lopts, Collapse: o.Listen != ""})
	if err != nil {
		return &ConfigError{Msg: err.Error()}
	}
	for _, w := range warns {
		fmt.Fprintf(o.Stderr, "xaccel serve: warning: %s\n", w)
	}
	if o.Strict && len(warns) > 0 {
		return &ConfigError{Msg: fmt.Sprintf("%d directive(s) are not emulated and --strict is set", len(warns))}
	}
	prefix := o.Handler.ConfPrefix
	if prefix == "" {
		prefix = filepath.Dir(cfg.Path)
	}
	tlsNotes, tlsWarns, err := front.SetupTLS(TLSOptions{DevCert: o.DevCert, Prefix: prefix, Hostname: lopts.Hostname})
	if err != nil {
		return &ConfigError{Msg: err.Error()}
	}
	for _, w := range tlsWarns {
		fmt.Fprintf(o.Stderr, "xaccel serve: warning: %s\n", w)
	}
	lns, groups, err := openListeners(cfg, front, o, lopts)
	if err != nil {
		return err
	}
	for _, n := range tlsNotes {
		fmt.Fprintf(o.Stdout, "xaccel serve: %s\n", n)
	}
	srv := NewFrontServer(front)
	done := make(chan error, len(lns))
	var addrs []string
	for i, ln := range lns {
		go func() { done <- srv.ServeAs(ln, groups[i]) }()
		if ln.Addr().Network() == "unix" {
			addrs = append(addrs, "unix:"+ln.Addr().String())
		} else {
			addrs = append(addrs, ln.Addr().String())
		}
	}
	if o.ReadyFile != "" {
		if err := atomicfile.WriteFile(o.ReadyFile, []byte(strings.Join(addrs, "\n")+"\n"), 0o644); err != nil {
			srv.Close()
			return err
		}
	}
	if o.Ready != nil {
		o.Ready(addrs[0], cfg)
	}
	what := o.Config
	if o.Demo {
		what = "demo"
	}
	for i, a := range addrs {
		on, sch := "", "http"
		if g := groups[i]; g != nil {
			on = fmt.Sprintf(" for listen %s (%s)", g, g.Listens[0].Pos())
			if tlsOn(g) {
				sch = "https"
			}
		}
		if strings.HasPrefix(a, "unix:") {
			fmt.Fprintf(o.Stdout, "xaccel serve: %s on %s (%s)%s\n", what, a, sch, on)
			continue
		}
		fmt.Fprintf(o.Stdout, "xaccel serve: %s on %s://%s/%s\n", what, sch, a, on)
	}
	if o.Demo {
		fmt.Fprintf(o.Stdout, "xaccel serve: the demo page links a protected file directly and through the app\n")
	}
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		return nil
	case err := <-done:
		if errors.Is(err, ErrServerClosed) {
			return nil
		}
		return err
	}
}

// listenUnix binds a unix socket at path, as nginx does: a socket file
// left there by a server that is gone is replaced, and the socket is
// made readable and writable by all (0666). A file there that is not a
// socket, or a socket another server answers on, is left alone and the
// listen fails.
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("another server answers on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

//go:embed demo
var demoFS embed.FS

// startDemo copies the demo site into dir and starts its app on a loopback
// port: GET /download/NAME checks a (fake) permission and answers with
// X-Accel-Redirect, the percent-encoded internal path, and the headers a
// download needs.
func startDemo(dir string) (string, func(), error) {
	err := fs.WalkDir(demoFS, "demo", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "demo")))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := demoFS.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/download/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/download/")
		if name == "" || strings.Contains(name, "/") || strings.HasPrefix(name, "secret") || name != path.Base(name) {
			http.NotFound(w, r) // the permission check says no (or no such name)
			return
		}
		h := w.Header()
		h.Set("X-Accel-Redirect", "/protected/"+url.PathEscape(name))
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Disposition", contentDisposition(name))
		h.Set("Cache-Control", "private, no-store")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// contentDisposition builds an attachment header with an ASCII fallback and
// the UTF-8 name in filename* (RFC 6266, RFC 8187).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, encodeRFC8187(name))
}

// encodeRFC8187 percent-encodes every byte that is not an attr-char.
func encodeRFC8187(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// openListeners binds --listen, or the configuration's listen addresses
// as o.Bind says; each listener comes with the configuration address it
// stands for (nil for --listen). On an error nothing stays bound.
func openListeners(cfg *nginx.Config, front *Front, o ServeOptions, lopts nginx.ListenOptions) ([]net.Listener, []*nginx.ListenGroup, error) {
	if o.Listen != "" {
		// Every server block on one address: say loudly where nginx
		// would not speak plain HTTP.
		for _, s := range cfg.Servers {
			if o.Handler.ServerName != "" && front.one.def.srv != s {
				continue
			}
			for _, d := range s.Dir.Find("listen") {
				ls, err := nginx.ParseListen(d, s, lopts)
				if err != nil || len(ls) == 0 {
					continue
				}
				if what := ls[0].Unsupported(); what != "" {
					fmt.Fprintf(o.Stderr, "xaccel serve: warning: %s: listen %s uses %s: nginx does not speak plain HTTP there, serve does on %s (--listen)\n", d.Pos, strings.Join(d.Args, " "), what, o.Listen)
				}
			}
		}
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return nil, nil, err
		}
		return []net.Listener{ln}, []*nginx.ListenGroup{nil}, nil
	}
	binds, warns, err := PlanBinds(front.Listens(), o.Bind)
	if err != nil {
		return nil, nil, &ConfigError{Msg: err.Error()}
	}
	for _, w := range warns {
		fmt.Fprintf(o.Stderr, "xaccel serve: warning: %s\n", w)
	}
	if len(binds) == 0 {
		return nil, nil, &ConfigError{Msg: "no listen address of the configuration can be served"}
	}
	var lns []net.Listener
	var groups []*nginx.ListenGroup
	for _, b := range binds {
		var ln net.Listener
		var err error
		if b.Unix != "" {
			ln, err = listenUnix(b.Unix)
		} else {
			ln, err = net.Listen("tcp", b.Addr.String())
		}
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			hint := "free it, or move the listen with --listen-map " + mapFrom(b.Group) + "=PORT or --port-offset N"
			if b.Unix != "" {
				hint = "free it, or give the socket a path this user may create"
			}
			return nil, nil, fmt.Errorf("%s: listen %s: %v; %s", b.Group.Listens[0].Pos(), b.Group, err, hint)
		}
		lns = append(lns, ln)
		groups = append(groups, b.Group)
	}
	return lns, groups, nil
}
