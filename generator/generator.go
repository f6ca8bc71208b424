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

	InternalPrefix        string // "/_protected/"
	InternalPrefixNoSlash string // "/_protected"
	FilesDir              string // "/srv/app/private/"
	FilesDirNoSlash       string // "/srv/app/private"
	DownloadPath          string // "/download/"
	DownloadPathNoSlash   string // "/download"
	ServerName            string
	AppRoot               string // php, laravel: "/srv/app"

	App App

	// Sendfile is how the app hands a file to the front server.
	Sendfile Sendfile

	// Command is the xaccel generate command line that reproduces the output.
	Command string
}

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
	nameRE    = regexp.MustCompile(`^(\*\.)?[A-Za-z0-9_.-]+$`)
	// shellSafeRE: words that need no quoting in a shell command line.
	shellSafeRE = regexp.MustCompile(`^[A-Za-z0-9._~+@/:=,-]+$`)
)

// Resolve checks the options and fills in the defaults; every problem is
// a *UsageError that says what to give instead.
func Resolve(o Options) (*Data, error) {
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

	d.ServerName = o.ServerName
	if d.ServerName == "" {
		d.ServerName = "localhost"
	}
	for _, n := range strings.Fields(d.ServerName) {
		if !nameRE.MatchString(n) {
			return nil, usage("--server-name %q: want host names separated by spaces (letters, digits, '.', '-', a leading '*.')", d.ServerName)
		}
	}
	if d.App, err = appAddress(o.App, b); err != nil {
		return nil, err
	}
	d.Command = command(o, d)
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
