package generator

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The generated Express app runs with the packages installed in
// testdata/express (npm ci --prefix generator/testdata/express), found
// through NODE_PATH.
const expressInstall = "npm ci --prefix generator/testdata/express"

func init() {
	e2eBackends["express"] = e2eBackend{
		require: func(t *testing.T) {
			if _, err := exec.LookPath("node"); err != nil {
				requireReal(t, "node", "apt-get install nodejs npm, then "+expressInstall)
			}
			if _, err := os.Stat(filepath.Join(expressModules(t), "express")); err != nil {
				requireReal(t, "express in generator/testdata/express/node_modules", expressInstall)
			}
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			hook := `'use strict';

function canDownload(req, rel) {
  return rel !== 'denied.txt';
}

module.exports = { canDownload };
`
			if err := os.WriteFile(filepath.Join(out, "express", "permissions.js"), []byte(hook), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			dir := filepath.Join(out, "express")
			modules := expressModules(t)
			// Every package the generated package.json asks for must be
			// installed here, so the test runs what users install.
			var pkg struct{ Dependencies map[string]string }
			b, err := os.ReadFile(filepath.Join(dir, "package.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &pkg); err != nil {
				t.Fatalf("the generated package.json: %v", err)
			}
			for dep := range pkg.Dependencies {
				if _, err := os.Stat(filepath.Join(modules, dep)); err != nil {
					t.Fatalf("the generated package.json needs %s, which generator/testdata/express does not install; add it there and run npm install in that folder", dep)
				}
			}
			cmd := exec.Command("node", "app.js")
			cmd.Dir = dir
			env := accelEnv(accel)
			cmd.Env = append(os.Environ(), env, "NODE_PATH="+modules, "NODE_ENV=production")
			log := startProcess(t, cmd)
			waitDial(t, cmd, "tcp", d.App.Listen, "the generated Express app", log)
		},
	}
}

func expressModules(t *testing.T) string {
	abs, err := filepath.Abs(filepath.Join("testdata", "express", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestE2EExpress(t *testing.T) { runE2E(t, "express") }
