package generator

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The Python backends (django, flask, fastapi) run under Debian's
// /usr/bin/python3 with Debian's packages; XACCEL_PYTHON names another
// interpreter that has the framework installed.
func e2ePython() string {
	if p := os.Getenv("XACCEL_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// requirePython skips (or fails under XACCEL_REQUIRE_REAL=1) unless the
// interpreter can import every module.
func requirePython(t *testing.T, install string, modules ...string) {
	t.Helper()
	for _, m := range modules {
		if !probeOK(e2ePython(), "-c", "import "+m) {
			requireReal(t, fmt.Sprintf("the Python module %s for %s", m, e2ePython()), install)
		}
	}
}

// writeAllowHook replaces out/<backend>/downloads/permissions.py.
func writeAllowHook(t *testing.T, out, backend, hook string) {
	t.Helper()
	p := filepath.Join(out, backend, "downloads", "permissions.py")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the generated permission hook is missing: %v", err)
	}
	if err := os.WriteFile(p, []byte(hook), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startPython runs the interpreter with args in out/<backend> and waits
// until the app listens on d.App.Listen.
func startPython(t *testing.T, out, backend string, d *Data, accel bool, args ...string) {
	t.Helper()
	cmd := exec.Command(e2ePython(), args...)
	cmd.Dir = filepath.Join(out, backend)
	env := accelEnv(accel)
	cmd.Env = append(os.Environ(), env, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	log := startProcess(t, cmd)
	waitDial(t, cmd, "tcp", d.App.Listen, "the generated "+backend+" app", log)
}

func init() {
	e2eBackends["django"] = e2eBackend{
		require: func(t *testing.T) {
			requirePython(t, "apt-get install python3-django", "django")
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			writeAllowHook(t, out, "django", "def can_download(request, rel):\n    return rel != \"denied.txt\"\n")
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			startPython(t, out, "django", d, accel, "manage.py", "runserver", d.App.Listen, "--noreload")
		},
	}
}

func TestE2EDjango(t *testing.T) { runE2E(t, "django") }
