package generator

import (
	"strconv"
	"testing"
)

func init() {
	e2eBackends["fastapi"] = e2eBackend{
		require: func(t *testing.T) {
			requirePython(t, "apt-get install --no-install-recommends python3-fastapi python3-uvicorn", "fastapi", "uvicorn")
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			writeAllowHook(t, out, "fastapi", "def can_download(request, rel):\n    return rel != \"denied.txt\"\n")
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			startPython(t, out, "fastapi", d, accel, "-m", "uvicorn", "main:app",
				"--host", d.App.Host, "--port", strconv.Itoa(d.App.Port))
		},
	}
}

func TestE2EFastAPI(t *testing.T) { runE2E(t, "fastapi") }
