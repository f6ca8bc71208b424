// Package generator writes both halves of a protected-download setup: the
// front server's configuration (nginx, Caddy or Apache) and the app's
// download handler for one of ten frameworks, from one set of options, so
// that the two agree. Options become a typed Data value, Data and the
// backend's templates become a plan of files, the plan is rendered and
// written, and the nginx output is loaded and linted again (SelfCheck).
package generator

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options are the generator's inputs, from flags and .xaccel.yaml.
type Options struct {
	Backend        string // required, one of BackendNames()
	Front          string // nginx (default), caddy or apache
	InternalPrefix string // default /_protected/
	FilesDir       string // the private directory on disk; default /srv/app/private
	DownloadPath   string // the app URL that checks permissions; default /download/
	App            string // the app's address; default per backend
	AppRoot        string // php and laravel: where the PHP code is deployed; default /srv/app
	ServerName     string // default localhost
	TemplateDir    string // overrides built-in templates by name
}

// UsageError is an option that cannot be used; the message says what to
// give instead.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usage(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// Data is what every template sees. Paths with a trailing slash keep it;
// *NoSlash fields are the same without it.
type Data struct {
	Backend Backend
	Front   string // nginx, caddy or apache

	InternalPrefix        string   // "/_protected/"
	InternalPrefixNoSlash string   // "/_protected"
	FilesDir              string   // "/srv/app/private/"
	FilesDirNoSlash       string   // "/srv/app/private"
	DownloadPath          string   // "/download/"
	DownloadPathNoSlash   string   // "/download"
	ServerName            string   // the names, separated by one space
	ServerNames           []string // the same, one by one
	AppRoot               string   // php, laravel: "/srv/app"

	App App

	// Sendfile is how the app hands a file to the front server.
	Sendfile Sendfile

	// Command is the xaccel generate command line that reproduces the output.
	Command string

	// Check is set when the setup comes with xaccel-check.sh and a CI
	// workflow that run it: an nginx front, an app on a TCP port, and a
	// backend whose app the script knows how to start (checkBackends).
	Check bool
}

// checkBackends are the backends whose generated app xaccel-check.sh can
// start as it is (templates/docs/_run.tmpl).
var checkBackends = map[string]bool{"django": true, "flask": true, "go": true}

// App is where the front server reaches the app.
type App struct {
	Address string // as given: "127.0.0.1:8000", "unix:/run/php/php-fpm.sock"
	Host    string // "127.0.0.1" ("" for a unix socket)
	Port    int    // 8000 (0 for a unix socket)
	Socket  string // "/run/php/php-fpm.sock" for a unix socket
	// URL is the proxy target: "http://127.0.0.1:8000" or
	// "http://unix:/run/app.sock:" (nginx's form for a socket).
	URL string
	// Listen is what the app itself binds: "127.0.0.1:8000".
	Listen string
}

// Sendfile is the response header the app sets and what it holds.
type Sendfile struct {
	// Header is X-Accel-Redirect (nginx, Caddy) or X-Sendfile (Apache).
	Header string
	// URI: the value is InternalPrefix plus the percent-encoded relative
	// path. Otherwise it is the file's absolute path on disk (Apache
	// mod_xsendfile 0.12, as Debian ships it, takes it raw).
	URI bool
}

var (
	urlPathRE = regexp.MustCompile(`^/([A-Za-z0-9._~-]+/)*$`)
	dirRE     = regexp.MustCompile(`^/[A-Za-z0-9._~+@/-]*$`)
	hostRE    = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	// labelRE is one label of a host name; '_' is accepted, as nginx
	// accepts it (the catch-all name "_").
	labelRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$`)
	// shellSafeRE: words that need no quoting in a shell command line.
	shellSafeRE = regexp.MustCompile(`^[A-Za-z0-9._~+@/:=,-]+$`)
)

// Resolve checks the options and fills in the defaults; every problem is
// a *UsageError that says what to give instead.
func Resolve(o Options) (*Data, error) {
	if err := checkText(o); err != nil {
		return nil, err
	}
	if o.Backend == "" {
		return nil, usage("--backend is required (one of: %s; --list describes them)", strings.Join(BackendNames(), ", "))
	}
	b, err := BackendByName(o.Backend)
	if err != nil {
		return nil, usage("--backend: %v", err)
	}
	d := &Data{Backend: b}
	front := strings.ToLower(o.Front)
	if front == "" {
		front = "nginx"
	}
	if why, ok := refusedFronts[front]; ok {
		return nil, usage("--front %s: %s", o.Front, why)
	}
	if !slices.Contains(Fronts, front) {
		return nil, usage("--front %q: want one of %s", o.Front, strings.Join(Fronts, ", "))
	}
	d.Front = front
	d.Sendfile = Sendfile{Header: "X-Accel-Redirect", URI: true}
	if front == "apache" {
		d.Sendfile = Sendfile{Header: "X-Sendfile"}
	}

	if d.InternalPrefix, err = urlPath("--internal-prefix", o.InternalPrefix, "/_protected/"); err != nil {
		return nil, err
	}
	if d.DownloadPath, err = urlPath("--download-path", o.DownloadPath, "/download/"); err != nil {
		return nil, err
	}
	if d.InternalPrefix == d.DownloadPath || strings.HasPrefix(d.InternalPrefix, d.DownloadPath) || strings.HasPrefix(d.DownloadPath, d.InternalPrefix) {
		return nil, usage("--internal-prefix %s and --download-path %s overlap: the internal location would swallow the app's URL or the reverse; pick two separate prefixes", d.InternalPrefix, d.DownloadPath)
	}
	if d.FilesDir, err = dirPath("--files-dir", o.FilesDir, "/srv/app/private"); err != nil {
		return nil, err
	}
	d.AppRoot = ""
	if b.FastCGI {
		root, err := dirPath("--app-root", o.AppRoot, "/srv/app")
		if err != nil {
			return nil, err
		}
		d.AppRoot = strings.TrimSuffix(root, "/")
		if b.Name == "laravel" && isWithin(d.FilesDir, d.AppRoot+"/public/") {
			return nil, usage("--files-dir %s is inside the Laravel public directory %s/public: anyone could download the files without asking the app; use a directory outside it, such as %s/storage/app/private", d.FilesDir, d.AppRoot, d.AppRoot)
		}
	} else if o.AppRoot != "" {
		return nil, usage("--app-root is only for the php and laravel backends (where php-fpm runs the code); %s listens on --app", b.Name)
	}
	d.InternalPrefixNoSlash = strings.TrimSuffix(d.InternalPrefix, "/")
	d.DownloadPathNoSlash = strings.TrimSuffix(d.DownloadPath, "/")
	d.FilesDirNoSlash = strings.TrimSuffix(d.FilesDir, "/")

	if d.ServerNames, err = serverNames(o.ServerName, front); err != nil {
		return nil, err
	}
	d.ServerName = strings.Join(d.ServerNames, " ")
	if d.App, err = appAddress(o.App, b); err != nil {
		return nil, err
	}
	d.Command = command(o, d)
	d.Check = d.Front == "nginx" && d.App.Socket == "" && checkBackends[b.Name]
	return d, nil
}

func urlPath(flag, v, def string) (string, error) {
	if v == "" {
		v = def
	}
	if !strings.HasSuffix(v, "/") {
		v += "/"
	}
	if !urlPathRE.MatchString(v) || v == "/" {
		return "", usage("%s %q: want a URL path such as %s (letters, digits and . _ ~ - between slashes, not just /)", flag, v, def)
	}
	for _, seg := range strings.Split(strings.Trim(v, "/"), "/") {
		if seg == "." || seg == ".." {
			return "", usage("%s %q: a path segment is %q", flag, v, seg)
		}
	}
	return v, nil
}

func dirPath(flag, v, def string) (string, error) {
	if v == "" {
		v = def
	}
	if !strings.HasPrefix(v, "/") {
		return "", usage("%s %q: want an absolute path on the server (the path nginx and the app see), such as %s", flag, v, def)
	}
	if !dirRE.MatchString(v) {
		return "", usage("%s %q: only letters, digits and . _ ~ + @ - / are accepted, so the path can be written unquoted into every file", flag, v)
	}
	c := path.Clean(v)
	if c == "/" {
		return "", usage("%s /: the whole filesystem would be reachable; give the directory that holds only the private files", flag)
	}
	return c + "/", nil
}

func isWithin(dir, parent string) bool { return strings.HasPrefix(dir, parent) }

func appAddress(v string, b Backend) (App, error) {
	if v == "" {
		v = b.DefaultApp
	}
	orig := v
	if strings.HasPrefix(v, "unix:") {
		sock := strings.TrimPrefix(v, "unix:")
		if !strings.HasPrefix(sock, "/") || !dirRE.MatchString(sock) {
			return App{}, usage("--app %q: want unix:/absolute/path.sock", orig)
		}
		return App{Address: orig, Socket: sock, URL: "http://unix:" + sock + ":", Listen: sock}, nil
	}
	v = strings.TrimPrefix(v, "http://")
	v = strings.TrimSuffix(v, "/")
	host, port, err := net.SplitHostPort(v)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p < 1 || p > 65535 || !hostRE.MatchString(host) {
		want := "HOST:PORT (such as 127.0.0.1:8000) or http://HOST:PORT"
		if b.FastCGI {
			want = "the php-fpm socket unix:/run/php/php-fpm.sock or its HOST:PORT (such as 127.0.0.1:9000)"
		}
		return App{}, usage("--app %q: want %s", orig, want)
	}
	if strings.HasPrefix(orig, "https://") {
		return App{}, usage("--app %q: the app is reached over plain HTTP on a private address; give HOST:PORT", orig)
	}
	a := App{Address: orig, Host: host, Port: p, Listen: net.JoinHostPort(host, port)}
	a.URL = "http://" + a.Listen
	return a, nil
}

func command(o Options, d *Data) string {
	parts := []string{"xaccel generate", "--backend " + d.Backend.Name}
	add := func(flag, given, value string) {
		if given != "" {
			parts = append(parts, flag+" "+shellQuote(value))
		}
	}
	add("--front", o.Front, d.Front)
	add("--internal-prefix", o.InternalPrefix, d.InternalPrefix)
	add("--files-dir", o.FilesDir, d.FilesDirNoSlash)
	add("--download-path", o.DownloadPath, d.DownloadPath)
	add("--app", o.App, d.App.Address)
	add("--app-root", o.AppRoot, d.AppRoot)
	add("--server-name", o.ServerName, d.ServerName)
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if shellSafeRE.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkText refuses a control character (a newline above all) or any
// white space other than a plain space in every option that can end up in
// a generated file: one value must stay on one line of nginx, Python, PHP
// or YAML, and a newline would start a directive or a statement of its
// own.
func checkText(o Options) error {
	for _, f := range []struct{ flag, v string }{
		{"--backend", o.Backend}, {"--front", o.Front}, {"--internal-prefix", o.InternalPrefix},
		{"--files-dir", o.FilesDir}, {"--download-path", o.DownloadPath}, {"--app", o.App},
		{"--app-root", o.AppRoot}, {"--server-name", o.ServerName},
	} {
		for i, r := range f.v {
			if r == ' ' {
				continue // each flag's own check says whether a space may be there
			}
			if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
				what := fmt.Sprintf("the character %U", r)
				switch r {
				case '\n':
					what = "a newline"
				case '\r':
					what = "a carriage return"
				case '\t':
					what = "a tab"
				case utf8.RuneError:
					what = "a byte that is not UTF-8"
				}
				hint := "give the value on one line, without control characters"
				if f.flag == "--server-name" {
					hint = "give the names on one line, separated by single spaces"
				}
				return usage("%s %q: %s at byte %d; %s", f.flag, f.v, what, i, hint)
			}
		}
	}
	return nil
}

// serverNames splits --server-name at spaces and checks each name the
// way nginx's server_name reads it: a host name (labels of letters,
// digits, '-' and '_', separated by dots), "*.example.com",
// ".example.com" (the name and all its subdomains) or "example.*"; the
// last two only for nginx, which alone understands them. Regular
// expressions (~...) are not written by the generator.
func serverNames(v, front string) ([]string, error) {
	if v == "" {
		return []string{"localhost"}, nil
	}
	names := strings.Split(v, " ")
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" {
			continue
		}
		if err := serverName(n, front); err != nil {
			return nil, usage("--server-name %q: %s", v, err)
		}
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, usage("--server-name %q: no name given; give one or more host names separated by spaces, such as example.com www.example.com", v)
	}
	return out, nil
}

func serverName(n, front string) error {
	if strings.HasPrefix(n, "~") {
		return fmt.Errorf("%q is a regular expression; give host names here and edit server_name in the generated file for a regular expression", n)
	}
	host := n
	switch {
	case strings.HasPrefix(n, "*."):
		host = n[2:]
	case strings.HasPrefix(n, "."):
		host = n[1:]
		if front != "nginx" {
			return fmt.Errorf("%q: the leading-dot form is nginx's own; %s needs *.%s (and %s itself if wanted)", n, front, host, host)
		}
	case strings.HasSuffix(n, ".*"):
		host = n[:len(n)-2]
		if front != "nginx" {
			return fmt.Errorf("%q: a trailing wildcard is nginx's own; %s needs every full name", n, front)
		}
	}
	if strings.Contains(host, "*") {
		return fmt.Errorf("%q: a wildcard may only be the first label (*.example.com) or, for nginx, the last (example.*)", n)
	}
	if len(host) > 253 {
		return fmt.Errorf("%q is longer than 253 characters", n)
	}
	for _, l := range strings.Split(host, ".") {
		if l == "" {
			return fmt.Errorf("%q has an empty label (two dots in a row, or a dot at the end)", n)
		}
		if len(l) > 63 {
			return fmt.Errorf("%q has a label longer than 63 characters", n)
		}
		if !labelRE.MatchString(l) {
			return fmt.Errorf("%q: the label %q is not a host name label (letters, digits, '-' and '_', not starting or ending with '-')", n, l)
		}
	}
	return nil
}
