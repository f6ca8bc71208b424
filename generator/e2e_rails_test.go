package generator

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The Rails backend runs under Debian's ruby-rails (6.1, with Rack 2.2) and
// puma: testdata/rails holds the smallest application around the generated
// files (config.ru, config/application.rb with Action Controller only, a
// routes.rb that draws the generated config/routes/downloads.rb, and an
// ApplicationController), in production mode.
const railsInstall = "apt-get install -y --no-install-recommends ruby-rails puma"

func init() {
	e2eBackends["rails"] = e2eBackend{
		require: func(t *testing.T) {
			if _, err := exec.LookPath("puma"); err != nil {
				requireReal(t, "puma", railsInstall)
			}
			// Activating the gems finds them without loading Rails (half a
			// second of CPU); a Rails that is there but broken fails the
			// app's start, with its output.
			if !probeOK("ruby", "-e", `gem "railties"; gem "actionpack"`) {
				requireReal(t, "Rails for the ruby command", railsInstall)
			}
		},
		app: loopbackApp,
		allow: func(t *testing.T, out string) {
			hook := `# frozen_string_literal: true

module DownloadPermission
  extend ActiveSupport::Concern

  private

  def can_download?(rel)
    rel != "denied.txt"
  end
end
`
			p := filepath.Join(out, "rails", "app", "controllers", "concerns", "download_permission.rb")
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("the generated permission hook is missing: %v", err)
			}
			if err := os.WriteFile(p, []byte(hook), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			dir := filepath.Join(out, "rails")
			copySkeleton(t, filepath.Join("testdata", "rails"), dir)
			cmd := exec.Command("puma", "--environment", "production", "--threads", "1:4",
				"--bind", "tcp://"+d.App.Host+":"+strconv.Itoa(d.App.Port), "config.ru")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), accelEnv(accel), "RAILS_ENV=production",
				"SECRET_KEY_BASE=xaccel-end-to-end-test-only-0123456789abcdef0123456789abcdef")
			log := startProcess(t, cmd)
			waitDial(t, cmd, "tcp", d.App.Listen, "the generated Rails app (puma)", log)
		},
	}
}

// copySkeleton copies the application files of src into dst, next to the
// generated ones; a file the generator wrote is never replaced.
func copySkeleton(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if _, err := os.Lstat(target); err == nil {
			t.Fatalf("%s: the generator wrote this file; the test application in %s must not replace it", target, src)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestE2ERails(t *testing.T) { runE2E(t, "rails") }
