package generator

import (
	"os"
	"path/filepath"
	"testing"
)

// The Laravel backend runs under Debian's php-laravel-framework (Laravel 8
// with Symfony 5.4) on php-fpm: testdata/laravel holds the smallest
// application around the generated files (public/index.php, bootstrap/,
// an HTTP kernel with a "web" group, an exception handler, config/ with
// the providers, and a guest-only guard), loaded without Composer through
// Debian's autoloaders in /usr/share/php.
const laravelInstall = "apt-get install -y --no-install-recommends php-fpm php-cli php-laravel-framework"

// laravelExtensions are the PHP extensions Laravel needs, loaded by hand
// because the pool runs without php.ini (-n).
var laravelExtensions = []string{"ctype", "mbstring", "tokenizer", "fileinfo", "iconv"}

func init() {
	e2eBackends["laravel"] = e2eBackend{
		require: func(t *testing.T) {
			if phpFPM() == "" {
				requireReal(t, "php-fpm", laravelInstall)
			}
			if _, err := os.Stat("/usr/share/php/Illuminate/autoload.php"); err != nil {
				requireReal(t, "Laravel (/usr/share/php/Illuminate/autoload.php)", laravelInstall)
			}
		},
		app: func(t *testing.T, dir string) string {
			return "unix:" + filepath.Join(dir, "php.sock")
		},
		allow: func(t *testing.T, out string) {
			hook := `<?php

namespace App\Policies;

use Illuminate\Contracts\Auth\Authenticatable;

class DownloadPolicy
{
    public function download(?Authenticatable $user, string $path): bool
    {
        return $path !== 'denied.txt';
    }
}
`
			p := filepath.Join(out, "laravel", "app", "Policies", "DownloadPolicy.php")
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("the generated permission hook is missing: %v", err)
			}
			if err := os.WriteFile(p, []byte(hook), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		start: func(t *testing.T, out string, d *Data, accel bool) {
			laravelApp(t, filepath.Join(out, "laravel"))
			var ini []string
			for _, e := range laravelExtensions {
				ini = append(ini, "extension="+e)
			}
			startPHPFPM(t, d, accel, ini...)
		},
	}
}

// laravelApp completes the generated laravel/ tree into an application:
// the files of testdata/laravel and the directories Laravel writes to.
func laravelApp(t *testing.T, dir string) {
	t.Helper()
	copySkeleton(t, filepath.Join("testdata", "laravel"), dir)
	for _, d := range []string{"bootstrap/cache", "storage/framework/views", "storage/framework/cache", "storage/logs", "resources/views"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestE2ELaravel(t *testing.T) { runE2E(t, "laravel") }

// The generated PHP must parse for every front, too.
func TestLaravelPHPSyntax(t *testing.T) { phpLint(t, "laravel") }
