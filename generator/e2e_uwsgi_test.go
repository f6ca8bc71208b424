package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// Django under uWSGI: the generated Django app run by Debian's uWSGI
// (python3 plugin) on a uwsgi socket, behind nginx and xaccel serve with
// the generated nginx configuration's app location speaking uwsgi
// (uwsgi_pass and the parameters of Debian's uwsgi_params) instead of
// HTTP. Caddy and Apache have no uwsgi client.

// toUwsgi rewrites the generated nginx configuration in out so that its
// proxy_pass to the app becomes uwsgi_pass with uwsgi_params; the
// headers it blanked for the app (X-Sendfile-Type, X-Accel-Mapping) are
// blanked as uwsgi variables; everything else stays as generated.
func toUwsgi(t *testing.T, out string) {
	t.Helper()
	p := filepath.Join(out, "nginx", "xaccel.conf")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	passes := 0
	for _, line := range strings.SplitAfter(string(src), "\n") {
		fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		switch {
		case len(fields) == 2 && fields[0] == "proxy_pass":
			passes++
			b.WriteString(indent + "uwsgi_pass " + strings.TrimPrefix(fields[1], "http://") + ";\n")
			// uwsgi_params written inline: the test's nginx prefix has
			// no copy of it, and serve refuses a missing include.
			for _, pl := range strings.SplitAfter(realnginx.DebianUwsgiParams, "\n") {
				if strings.TrimSpace(pl) != "" {
					b.WriteString(indent + pl)
				}
			}
		case len(fields) >= 3 && fields[0] == "proxy_set_header" && fields[2] == `""`:
			b.WriteString(indent + "uwsgi_param HTTP_" + strings.ToUpper(strings.ReplaceAll(fields[1], "-", "_")) + ` "";` + "\n")
		case len(fields) >= 1 && fields[0] == "proxy_set_header":
		default:
			b.WriteString(line)
		}
	}
	if passes != 1 {
		t.Fatalf("%s: %d proxy_pass lines, want the app's one", p, passes)
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func init() {
	e2eBackends["django-uwsgi"] = e2eBackend{
		generate: "django",
		fronts:   []string{"nginx", "serve"},
		require: func(t *testing.T) {
			requirePython(t, "apt-get install python3-django", "django")
			if _, err := exec.LookPath("uwsgi"); err != nil {
				requireReal(t, "uWSGI with its python3 plugin", "apt-get install uwsgi-core uwsgi-plugin-python3")
			}
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			writeAllowHook(t, out, "django", "def can_download(request, rel):\n    return rel != \"denied.txt\"\n")
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			toUwsgi(t, out)
			cmd := exec.Command("uwsgi", "--plugin", "python3", "--uwsgi-socket", d.App.Host+":"+strconv.Itoa(d.App.Port),
				"--chdir", filepath.Join(out, "django"), "--wsgi-file", "project/wsgi.py",
				"--processes", "1", "--threads", "4", "--die-on-term", "--disable-logging")
			cmd.Env = append(os.Environ(), accelEnv(accel), "PYTHONDONTWRITEBYTECODE=1")
			log := startProcess(t, cmd)
			waitDial(t, cmd, "tcp", d.App.Listen, "the generated Django app under uWSGI", log)
		},
	}
}

func TestE2EDjangoUwsgi(t *testing.T) { runE2E(t, "django-uwsgi") }
