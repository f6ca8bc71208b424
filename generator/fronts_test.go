package generator

// The Caddy and Apache fronts against the real servers: every backend's
// caddy/Caddyfile passes `caddy validate` and its apache/xaccel.conf passes
// `apache2 -t`, and the generated apps (Go, and every other backend with an
// end-to-end runner) serve the twelve awkward names behind real Caddy
// (runE2E) and real Apache with mod_xsendfile (runE2EFront).
//
// The servers run in the foreground from configuration files in the
// test's temporary directories, on 127.0.0.1, and are stopped by PID when
// the test ends; the system's own services are never touched.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const (
	caddyInstall  = "apt-get install -y --no-install-recommends caddy"
	apacheInstall = "apt-get install -y --no-install-recommends apache2 libapache2-mod-xsendfile"
)

// findBinary returns $env if set, else name from $PATH, else the first of
// paths that exists (root's sbin directories are often not in $PATH).
func findBinary(env, name string, paths ...string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// requireCaddy returns the caddy binary (XACCEL_CADDY or caddy).
func requireCaddy(t *testing.T) string {
	t.Helper()
	bin := findBinary("XACCEL_CADDY", "caddy", "/usr/bin/caddy")
	if bin == "" {
		requireReal(t, "Caddy 2", caddyInstall)
	}
	return bin
}

// requireApache returns the apache2 binary (XACCEL_APACHE or apache2) and
// its modules directory (XACCEL_APACHE_MODULES, default Debian's), which
// must hold mod_xsendfile.
func requireApache(t *testing.T) (bin, modules string) {
	t.Helper()
	bin = findBinary("XACCEL_APACHE", "apache2", "/usr/sbin/apache2")
	modules = os.Getenv("XACCEL_APACHE_MODULES")
	if modules == "" {
		modules = "/usr/lib/apache2/modules"
	}
	if bin == "" {
		requireReal(t, "Apache httpd (apache2)", apacheInstall)
	}
	if _, err := os.Stat(filepath.Join(modules, "mod_xsendfile.so")); err != nil {
		requireReal(t, "mod_xsendfile ("+filepath.Join(modules, "mod_xsendfile.so")+")", apacheInstall)
	}
	return bin, modules
}

// caddyConfig makes a generated Caddyfile runnable here: global options
// that keep Caddy on 127.0.0.1 without its admin endpoint or certificates,
// and the site address replaced by plain HTTP on port (any Host).
func caddyConfig(t *testing.T, src []byte, d *Data, port int) string {
	t.Helper()
	site := "\n" + d.ServerName + " {\n"
	if !strings.Contains(string(src), site) {
		t.Fatalf("the Caddyfile has no site block %q:\n%s", strings.TrimSpace(site), src)
	}
	global := "{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\tauto_https off\n}\n"
	return global + strings.Replace(string(src), site, fmt.Sprintf("\nhttp://:%d {\n", port), 1)
}

// caddyEnv keeps Caddy's data and autosaved config under dir.
func caddyEnv(dir string) []string {
	return append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
}

// apacheConfig is a complete main configuration of our own, with
// everything Apache writes under dir, that includes the generated file
// with its VirtualHost moved to 127.0.0.1:port.
func apacheConfig(t *testing.T, dir, modules string, src []byte, port int) string {
	t.Helper()
	const vhost = "<VirtualHost *:80>"
	if !strings.Contains(string(src), vhost) {
		t.Fatalf("apache/xaccel.conf has no %s:\n%s", vhost, src)
	}
	site := strings.Replace(string(src), vhost, fmt.Sprintf("<VirtualHost 127.0.0.1:%d>", port), 1)
	if err := os.WriteFile(filepath.Join(dir, "xaccel.conf"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %s\nPidFile %s/httpd.pid\nDefaultRuntimeDir %s\nMutex file:%s default\n", dir, dir, dir, dir)
	fmt.Fprintf(&b, "ErrorLog %s/error.log\nLogLevel info\nListen 127.0.0.1:%d\nServerName 127.0.0.1\n", dir, port)
	if os.Geteuid() == 0 {
		// Apache refuses to serve as root; the files it sends must then be
		// readable by this user.
		b.WriteString("User #65534\nGroup #65534\n")
	}
	for _, m := range []string{"mpm_event", "authz_core", "mime", "dir", "headers", "proxy", "proxy_http", "proxy_fcgi", "xsendfile"} {
		fmt.Fprintf(&b, "LoadModule %s_module %s/mod_%s.so\n", m, modules, m)
	}
	b.WriteString("TypesConfig /etc/mime.types\n")
	fmt.Fprintf(&b, "Include %s/xaccel.conf\n", dir)
	conf := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// renderFront resolves o and renders only its front template (so that it
// does not depend on the backend's templates).
func renderFront(t *testing.T, o Options, tmpl string) (*Data, []byte) {
	t.Helper()
	d, err := Resolve(o)
	if err != nil {
		t.Fatal(err)
	}
	set, err := parseTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := set.ExecuteTemplate(&b, tmpl, d); err != nil {
		t.Fatalf("%s: %v", o.Backend, err)
	}
	return d, b.Bytes()
}

// TestEveryBackendCaddyValidate: every backend's Caddyfile, with defaults
// and with the golden options, passes `caddy validate` (the adapter, every
// module's provisioning and the matchers).
func TestEveryBackendCaddyValidate(t *testing.T) {
	realnginx.SkipShort(t)
	t.Parallel()
	bin := requireCaddy(t)
	for _, b := range Backends {
		for i, o := range []Options{{Backend: b.Name, Front: "caddy"}, goldenOptions(b.Name, "caddy")} {
			dir := t.TempDir()
			d, src := renderFront(t, o, "servers/caddy/Caddyfile.tmpl")
			conf := filepath.Join(dir, "Caddyfile")
			if err := os.WriteFile(conf, []byte(caddyConfig(t, src, d, freePort(t))), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "validate", "--config", conf, "--adapter", "caddyfile")
			cmd.Env = caddyEnv(dir)
			if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Valid configuration") {
				t.Errorf("%s (options %d): caddy validate rejects caddy/Caddyfile: %v\n%s\n%s", b.Name, i, err, out, src)
			}
		}
	}
}

// TestEveryBackendApacheConfigTest: every backend's apache/xaccel.conf,
// with defaults and with the golden options, passes `apache2 -t` inside a
// minimal main configuration that loads the modules it needs.
func TestEveryBackendApacheConfigTest(t *testing.T) {
	realnginx.SkipShort(t)
	t.Parallel()
	bin, modules := requireApache(t)
	for _, b := range Backends {
		for i, o := range []Options{{Backend: b.Name, Front: "apache"}, goldenOptions(b.Name, "apache")} {
			dir := t.TempDir()
			_, src := renderFront(t, o, "servers/apache/xaccel.conf.tmpl")
			conf := apacheConfig(t, dir, modules, src, freePort(t))
			if out, err := exec.Command(bin, "-t", "-f", conf).CombinedOutput(); err != nil || !strings.Contains(string(out), "Syntax OK") {
				t.Errorf("%s (options %d): apache2 -t rejects apache/xaccel.conf: %v\n%s\n%s", b.Name, i, err, out, src)
			}
		}
	}
}

func init() {
	e2eFronts["caddy"] = e2eFront{
		require: func(t *testing.T) { requireCaddy(t) },
		start: func(t *testing.T, out string, d *Data) func(string) (*realnginx.Response, error) {
			bin := requireCaddy(t)
			src, err := os.ReadFile(filepath.Join(out, "caddy", "Caddyfile"))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			port := freePort(t)
			conf := filepath.Join(dir, "Caddyfile")
			if err := os.WriteFile(conf, []byte(caddyConfig(t, src, d, port)), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
			cmd.Env = caddyEnv(dir)
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			waitDial(t, cmd, "tcp", addr, "caddy", startProcess(t, cmd))
			return func(target string) (*realnginx.Response, error) {
				return realnginx.Send(addr, "GET", target, nil)
			}
		},
		served: "ETag",
	}
	e2eFronts["apache"] = e2eFront{
		require: func(t *testing.T) { requireApache(t) },
		start: func(t *testing.T, out string, d *Data) func(string) (*realnginx.Response, error) {
			bin, modules := requireApache(t)
			if os.Geteuid() == 0 {
				// Apache reads the files as user 65534: let it through the
				// test's private temporary directories.
				tmp := filepath.Clean(os.TempDir()) + string(filepath.Separator)
				for p := d.FilesDirNoSlash; strings.HasPrefix(p, tmp); p = filepath.Dir(p) {
					if st, err := os.Stat(p); err == nil {
						os.Chmod(p, st.Mode().Perm()|0o055)
					}
				}
			}
			src, err := os.ReadFile(filepath.Join(out, "apache", "xaccel.conf"))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			os.Chmod(dir, 0o755)
			port := freePort(t)
			conf := apacheConfig(t, dir, modules, src, port)
			// -X: one process in the foreground, stopped by its PID.
			cmd := exec.Command(bin, "-X", "-f", conf)
			log := startProcess(t, cmd)
			t.Cleanup(func() {
				if t.Failed() {
					b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
					t.Logf("apache error.log:\n%s", b)
				}
			})
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			waitDial(t, cmd, "tcp", addr, "apache2", log)
			return func(target string) (*realnginx.Response, error) {
				return realnginx.Send(addr, "GET", target, nil)
			}
		},
		// mod_xsendfile sets Last-Modified from the file (the generated
		// configuration turns Apache's ETag off for the download path).
		served: "Last-Modified",
	}
}

// TestE2EApache runs every backend that has an end-to-end runner
// (e2e_<backend>_test.go; the Go one at least) behind Apache. Caddy is
// one of the fronts of each backend's own TestE2E<Backend> (runE2E).
func TestE2EApache(t *testing.T) { runE2EFronts(t, "apache") }

func runE2EFronts(t *testing.T, front string) {
	realnginx.SkipShort(t)
	t.Parallel()
	if _, ok := e2eBackends["go"]; !ok {
		t.Fatal("the Go backend has no end-to-end runner")
	}
	var names []string
	for name := range e2eBackends {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if fs := e2eBackends[name].fronts; fs != nil && !slices.Contains(fs, front) {
			continue
		}
		t.Run(name, func(t *testing.T) { runE2EFront(t, name, front) })
	}
}
