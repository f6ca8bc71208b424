package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func init() {
	e2eBackends["go"] = e2eBackend{
		require: func(t *testing.T) {
			if _, err := exec.LookPath("go"); err != nil {
				requireReal(t, "the go command", "Go from https://go.dev/dl/")
			}
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			hook := `package download

import "net/http"

func CanDownload(r *http.Request, rel string) bool { return rel != "denied.txt" }
`
			if err := os.WriteFile(filepath.Join(out, "go", "download", "permissions.go"), []byte(hook), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			dir := filepath.Join(out, "go")
			bin := filepath.Join(dir, "downloads")
			// -trimpath: the download package compiles once for every run; -s -w:
			// no symbol table or debug information, a third of the link time.
			build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
			build.Dir = dir
			build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build of the generated app: %v\n%s", err, b)
			}
			cmd := exec.Command(bin)
			env := accelEnv(accel)
			cmd.Env = append(os.Environ(), env)
			log := startProcess(t, cmd)
			waitDial(t, cmd, "tcp", d.App.Listen, "the generated Go app", log)
		},
	}
}

func TestE2EGo(t *testing.T) { runE2E(t, "go") }
