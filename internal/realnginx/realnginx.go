// Package realnginx runs the real nginx binary on loopback for tests.
//
// Real nginx is the oracle for xaccel's tests: a test starts nginx with a
// config (Start, StartHTTP), sends raw requests to it (Instance.Do), and
// compares the answers with what xaccel predicts or emulates. Check runs
// `nginx -t` on a config file so parse errors can be compared.
//
// Everything nginx writes (pid file, error log, temp files) lives in a
// temporary prefix directory, so the helpers work as root or not and never
// touch /var or /run. Nothing listens anywhere but 127.0.0.1.
//
// Tests that need nginx call Require (directly or through Start), which
// skips with a clear message when nginx is missing, or fails when
// XACCEL_REQUIRE_REAL=1 (as CI sets it). Under go test -short, Require
// and SkipShort skip every test that runs a real server, whatever
// XACCEL_REQUIRE_REAL says.
package realnginx

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NotFoundMessage is the message Require skips (or fails) with when no
// nginx binary is found.
const NotFoundMessage = "real nginx not found; install nginx or set XACCEL_NGINX; this test compares against real nginx"

// checkTimeout bounds one `nginx -t` run.
const checkTimeout = 30 * time.Second

// Binary returns the nginx binary path, or "" if there is none: the value
// of $XACCEL_NGINX if set, else "nginx" looked up in $PATH, else
// /usr/sbin/nginx if it is an executable file (non-root users often lack
// /usr/sbin in their PATH).
func Binary() string {
	if p := os.Getenv("XACCEL_NGINX"); p != "" {
		return p
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if fi, err := os.Stat("/usr/sbin/nginx"); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return "/usr/sbin/nginx"
	}
	return ""
}

// requireReal reports whether XACCEL_REQUIRE_REAL asks for a failure
// instead of a skip.
func requireReal() bool {
	return os.Getenv("XACCEL_REQUIRE_REAL") == "1"
}

// ShortMessage is what a test that runs real servers says when go test
// -short skips it.
const ShortMessage = "-short skips the tests that run real servers (nginx, the generated apps, Caddy, Apache, xaccel serve against nginx); run without -short for them"

// SkipShort skips the test under go test -short: it runs real servers (an
// end-to-end suite). -short wins over XACCEL_REQUIRE_REAL=1.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip(ShortMessage)
	}
}

// RaiseParallel sets go test's -parallel to n unless the command line gives
// it or GOMAXPROCS is already at least n. Call it from TestMain after
// flag.Parse: tests against real servers mostly wait for them (to start, to
// answer, to time out), so more of them than CPUs keep the machine busy.
func RaiseParallel(n int) {
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit && runtime.GOMAXPROCS(0) < n {
		flag.Set("test.parallel", strconv.Itoa(n))
	}
}

// SkipOrFail ends a test that cannot run because something real (a
// server, a framework, the shared corpus) is missing: it skips with msg,
// or fails with it when XACCEL_REQUIRE_REAL=1.
func SkipOrFail(t testing.TB, msg string) {
	t.Helper()
	if requireReal() {
		t.Fatalf("%s (XACCEL_REQUIRE_REAL=1)", msg)
	}
	t.Skip(msg)
}

// Require returns the nginx binary, or skips the test with NotFoundMessage
// when there is none; under go test -short it skips with ShortMessage. When XACCEL_REQUIRE_REAL=1 it fails the test instead
// of skipping. A XACCEL_NGINX that names no executable file always fails
// the test: somebody asked for that binary explicitly.
func Require(t testing.TB) string {
	t.Helper()
	SkipShort(t)
	bin := Binary()
	if bin == "" {
		SkipOrFail(t, NotFoundMessage)
	}
	if env := os.Getenv("XACCEL_NGINX"); env != "" {
		if _, err := exec.LookPath(env); err != nil {
			t.Fatalf("XACCEL_NGINX=%q is not an executable nginx: %v", env, err)
		}
	}
	return bin
}

var versionRE = regexp.MustCompile(`nginx version: [^/\s]+/(\S+)`)

// Version returns the version of the given nginx binary (e.g. "1.22.1"),
// parsed from `nginx -v`.
func Version(bin string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-v").CombinedOutput()
	if err != nil {
		return "", errors.New("nginx -v: " + err.Error() + ": " + string(out))
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", errors.New("nginx -v: no version in output: " + string(out))
	}
	return string(m[1]), nil
}

// Check runs `nginx -t -p prefix/ -c confPath` and reports whether nginx
// accepted the config, plus everything nginx printed (its messages go to
// stderr, e.g. `nginx: [emerg] unexpected "}" in /path/file.conf:12`).
// An empty prefix means the directory of confPath.
//
// The error log (-e) and the pid file (-g "pid ...;") are redirected into a
// temporary directory, so that nothing outside it has to be writable. If the
// config sets pid itself, nginx rejects the override as a duplicate, and
// Check runs again without it (then nginx -t opens the config's pid file).
//
// Note that nginx -t also opens every log file and creates every temp
// directory the config uses, including the compiled-in http defaults
// (access log /var/log/nginx/access.log and the /var/lib/nginx/* temp
// paths on Debian) unless the config sets `access_log off` and the
// *_temp_path directives. Those can only be set inside http{}, so Check
// cannot redirect them; as non-root such configs fail after nginx printed
// "syntax is ok" (see SyntaxOK). CheckHTTP adds them.
//
// nginx -t also binds the listen sockets (it ignores "address already in
// use"), so as non-root a config listening on a port below 1024 fails with
// `bind() to ... failed (13: Permission denied)`.
func Check(confPath, prefix string) (ok bool, output string) {
	tmp, err := os.MkdirTemp("", "xaccel-nginx-check-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(tmp)
	return CheckIn(tmp, confPath, prefix)
}

// CheckIn is Check with scratch, a directory of the caller's, for nginx's
// error log and pid file: a caller that checks many configurations one
// after another saves a temporary directory each time (on some file
// systems, making and removing thousands of them costs more than nginx).
func CheckIn(scratch, confPath, prefix string) (ok bool, output string) {
	bin := Binary()
	if bin == "" {
		return false, NotFoundMessage
	}
	abs, err := filepath.Abs(confPath)
	if err != nil {
		return false, err.Error()
	}
	if prefix == "" {
		prefix = filepath.Dir(abs)
	}
	if prefix, err = filepath.Abs(prefix); err != nil {
		return false, err.Error()
	}
	tmp := scratch

	run := func(overridePid bool) (bool, string) {
		args := []string{"-t", "-p", prefix + "/", "-c", abs, "-e", filepath.Join(tmp, "error.log")}
		if overridePid {
			args = append(args, "-g", "pid "+quote(filepath.Join(tmp, "nginx.pid"))+";")
		}
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = tmp
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return false, string(out) + "\nrealnginx: nginx -t timed out after " + checkTimeout.String()
		}
		if err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return false, string(out) + "\nrealnginx: " + err.Error()
			}
		}
		return err == nil, string(out)
	}
	ok, output = run(true)
	if !ok && strings.Contains(output, `"pid" directive is duplicate`) {
		ok, output = run(false)
	}
	return ok, output
}

// CheckHTTP is Check for an http{} body: it writes the same main config
// StartHTTP would (httpBody in conf/http.conf, included from conf/nginx.conf
// inside http{} after the prefix-local temp paths and `access_log off`),
// with {{PREFIX}} and {{PORT}} replaced, into a temporary prefix together
// with files, and checks it. Errors in the body are reported by nginx
// against ".../conf/http.conf" with the body's own line numbers.
func CheckHTTP(httpBody string, files map[string]string) (ok bool, output string) {
	prefix, err := os.MkdirTemp("", "xaccel-nginx-checkhttp-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(prefix)
	port, err := freePort()
	if err != nil {
		return false, err.Error()
	}
	if err := writeFiles(prefix, files); err != nil {
		return false, err.Error()
	}
	body := expand(httpBody, prefix, port)
	if err := writeFile(prefix, "conf/http.conf", body); err != nil {
		return false, err.Error()
	}
	if err := writeFile(prefix, "conf/nginx.conf", expand(httpMainConf("include http.conf;\n"), prefix, port)); err != nil {
		return false, err.Error()
	}
	return CheckIn(prefix, filepath.Join(prefix, "conf", "nginx.conf"), prefix)
}

// SyntaxOK reports whether nginx -t output says the syntax is ok, i.e. the
// config parsed even if opening files or directories failed afterwards.
func SyntaxOK(output string) bool {
	return strings.Contains(output, " syntax is ok")
}

var checkErrRE = regexp.MustCompile(`^nginx: \[(emerg|alert|crit|error)\] (.*) in (.+):([0-9]+)$`)

// ParseCheckError finds the first error line with a location in nginx -t
// output, e.g. `nginx: [emerg] unexpected "}" in /path/file.conf:12`, and
// returns file "/path/file.conf", line 12 and msg `unexpected "}"`. Warnings
// and errors without " in file:line" are skipped; ok is false when there is
// no such line.
func ParseCheckError(stderr string) (file string, line int, msg string, ok bool) {
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimRight(l, "\r")
		m := checkErrRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[4])
		if err != nil {
			continue
		}
		return m[3], n, m[2], true
	}
	return "", 0, "", false
}

// quote returns s as a double-quoted nginx config string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
