package generator

import (
	"strconv"
	"testing"
)

func init() {
	e2eBackends["flask"] = e2eBackend{
		require: func(t *testing.T) {
			requirePython(t, "apt-get install python3-flask", "flask")
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			writeAllowHook(t, out, "flask", "def can_download(rel):\n    return rel != \"denied.txt\"\n")
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			startPython(t, out, "flask", d, accel, "-m", "flask", "--app", "app", "run",
				"--host", d.App.Host, "--port", strconv.Itoa(d.App.Port))
		},
	}
}

func TestE2EFlask(t *testing.T) { runE2E(t, "flask") }
