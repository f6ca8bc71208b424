package generator

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const phpInstall = "apt-get install php-cli php-fpm"

// phpFPM finds Debian's versioned php-fpm binary (php-fpm8.2) or a plain
// php-fpm.
func phpFPM() string {
	for _, name := range []string{"php-fpm", "php-fpm8.4", "php-fpm8.3", "php-fpm8.2", "php-fpm8.1"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		if p := "/usr/sbin/" + name; fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func init() {
	e2eBackends["php"] = e2eBackend{
		require: func(t *testing.T) {
			if phpFPM() == "" {
				requireReal(t, "php-fpm", phpInstall)
			}
		},
		app: func(t *testing.T, dir string) string {
			return "unix:" + filepath.Join(dir, "php.sock")
		},
		allow: func(t *testing.T, out string) {
			hook := `<?php
function can_download(string $rel): bool
{
    return $rel !== 'denied.txt';
}
`
			if err := os.WriteFile(filepath.Join(out, "php", "permissions.php"), []byte(hook), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			startPHPFPM(t, d, accel)
		},
	}
}

// startPHPFPM runs a php-fpm pool of its own on d.App.Socket, in the
// foreground, until the test ends: no system php.ini (-n) but opcache,
// as production runs PHP (its cache lives in the pool's own shared
// memory, so every pool compiles the freshly generated scripts once; a
// Laravel request without it compiles the framework anew), the pid and
// log in the socket's directory, and XACCEL_ENABLED set. ini are more -d
// settings (the extensions an app needs: -n loads none).
func startPHPFPM(t *testing.T, d *Data, accel bool, ini ...string) {
	t.Helper()
	dir := filepath.Dir(d.App.Socket)
	enabled := "1"
	if !accel {
		enabled = "0"
	}
	conf := fmt.Sprintf(`[global]
pid = %[1]s/php-fpm.pid
error_log = %[1]s/php-fpm.log
daemonize = no

[www]
listen = %[2]s
listen.mode = 0666
pm = static
pm.max_children = 2
catch_workers_output = yes
clear_env = yes
env[XACCEL_ENABLED] = %[3]s
`, dir, d.App.Socket, enabled)
	confPath := filepath.Join(dir, "php-fpm.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-F", "-n", "-y", confPath, "-d", "zend_extension=opcache", "-d", "opcache.enable=1"}
	for _, s := range ini {
		args = append(args, "-d", s)
	}
	if os.Geteuid() == 0 {
		args = append(args, "-R") // the pool then runs as root, like the test
	}
	cmd := exec.Command(phpFPM(), args...)
	log := startProcess(t, cmd)
	waitDial(t, cmd, "unix", d.App.Socket, "php-fpm", log)
}

func TestE2EPHP(t *testing.T) { runE2E(t, "php") }

// phpLint runs php -l on every .php file the backend generates, for every
// front.
func phpLint(t *testing.T, backend string) {
	if testing.Short() {
		t.Skip("-short skips php -l on the generated PHP files")
	}
	t.Parallel()
	php, err := exec.LookPath("php")
	if err != nil {
		requireReal(t, "the php command", "apt-get install php-cli")
	}
	for _, front := range Fronts {
		d, err := Resolve(goldenOptions(backend, front))
		if err != nil {
			t.Fatal(err)
		}
		files, err := Render(d, "")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := Write(dir, files, false, false); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range files {
			if !strings.HasSuffix(f.Path, ".php") {
				continue
			}
			n++
			if out, err := exec.Command(php, "-n", "-l", filepath.Join(dir, filepath.FromSlash(f.Path))).CombinedOutput(); err != nil {
				t.Errorf("%s/%s: php -l: %v\n%s", front, f.Path, err, out)
			}
		}
		if n == 0 {
			t.Errorf("%s/%s: no .php file generated", backend, front)
		}
	}
}

func TestPHPSyntax(t *testing.T) { phpLint(t, "php") }
