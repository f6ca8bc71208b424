package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envTemplate is a template of the official nginx image: the media
// location's name and directory come from the environment.
const envTemplate = `server {
    listen 80;
    server_name ${NGINX_HOST};
    location ${MEDIA_URL} {
        alias ${APP_ROOT}/media/;
    }
    location / { proxy_pass http://127.0.0.1:8000; proxy_set_header Host $host; }
}
`

// lintEnvIn runs xaccel lint in a directory holding files.
func lintEnvIn(t *testing.T, files map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code = Main(append([]string{"lint", "--color", "never"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLintEnv(t *testing.T) {
	files := map[string]string{
		"default.conf.template": envTemplate,
		"app.env":               "# deploy settings\nMEDIA_URL=/media/\nAPP_ROOT=/srv/app\n",
		"bad.env":               "MEDIA_URL=/media/\nAPP ROOT=/srv/app\n",
		"config.yaml":           "env:\n  MEDIA_URL: /media/\n  APP_ROOT: /srv/app\n",
		"config-file.yaml":      "env_file: app.env\nenv:\n  APP_ROOT: /srv/other\n",
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // on stdout, or on stderr for a usage error
	}{
		{"flags", []string{"--no-config", "--env", "MEDIA_URL=/media/", "--env", "APP_ROOT=/srv/app"}, ExitFindings,
			[]string{"default.conf.template:4:5: warning: `GET /media/example.txt` is served from /srv/app/media/example.txt", "4 |     location /media/ {"}},
		{"env file", []string{"--no-config", "--env-file", "app.env"}, ExitFindings, []string{"default.conf.template:4:5: warning:", "/srv/app/media/example.txt"}},
		{"flag over file", []string{"--no-config", "--env-file", "app.env", "--env", "APP_ROOT=/srv/web"}, ExitFindings, []string{"/srv/web/media/example.txt"}},
		{"config", []string{"--config", "config.yaml"}, ExitFindings, []string{"default.conf.template:4:5: warning:", "/srv/app/media/example.txt"}},
		{"config env over env_file", []string{"--config", "config-file.yaml"}, ExitFindings, []string{"/srv/other/media/example.txt"}},
		// Unrendered, the location is read as written.
		{"no env", []string{"--no-config"}, ExitFindings, []string{"default.conf.template:4:5: warning: `GET ${MEDIA_URL}/example.txt`"}},
		{"newline", []string{"--no-config", "--env", "APP_ROOT=/srv\n/app"}, ExitUsage, []string{"--env APP_ROOT: the value holds a line break"}},
		{"not an assignment", []string{"--no-config", "--env", "APP_ROOT"}, ExitUsage, []string{"want NAME=VALUE"}},
		{"bad env file", []string{"--no-config", "--env-file", "bad.env"}, ExitUsage, []string{"bad.env:2: APP ROOT: \"APP ROOT\" is not a variable name"}},
		{"missing env file", []string{"--no-config", "--env-file", "nope.env"}, ExitUsage, []string{"nope.env"}},
		{"fix", []string{"--no-config", "--env", "MEDIA_URL=/media/", "--fix"}, ExitUsage, []string{"--fix and --diff edit the files as written"}},
		{"diff", []string{"--config", "config.yaml", "--diff"}, ExitUsage, []string{"--fix and --diff edit the files as written"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := lintEnvIn(t, files, append(tc.args, "default.conf.template")...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			got := stdout
			if code == ExitUsage {
				got = stderr
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output does not say %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestLintUnrenderedTemplate: an ERB template, which used to pass as
// unknown directives, is a syntax error (exit 1) that says to render it.
func TestLintUnrenderedTemplate(t *testing.T) {
	files := map[string]string{"site.conf.erb": "server {\n    listen 80;\n    server_name <%= @server_name %>;\n    location /media/ { alias <%= @root %>/media/; }\n}\n"}
	code, stdout, stderr := lintEnvIn(t, files, "--no-config", "site.conf.erb")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitFindings, stdout, stderr)
	}
	for _, w := range []string{"site.conf.erb:3:17: error: unrendered ERB markup `<%= @server_name %>` (and on 1 more line)", "render it first", "erb -T -", "[syntax]"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout does not say %q:\n%s", w, stdout)
		}
	}
}
