package lint_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
)

// substituteCases hold what envsubst '${A} ${B} ${EMPTY}' prints with A=val,
// B=x y and EMPTY= defined (the official nginx image lists the defined names
// only).
var substituteCases = []struct{ in, want string }{
	{`root ${A}/media;`, `root val/media;`},
	{`a ${A}x $A $Ax ${A:-d} $$A \$A ${ A} ${A ${A}}`, `a valx val $Ax ${A:-d} $val \val ${ A} ${A val}`},
	{`proxy_set_header Host $host; return 301 https://$host$request_uri;`, `proxy_set_header Host $host; return 301 https://$host$request_uri;`},
	{`set $x "${B}"; ${UNDEFINED} $UNDEFINED`, `set $x "x y"; ${UNDEFINED} $UNDEFINED`},
	{`[${EMPTY}] [$EMPTY]`, `[] []`},
	{`$1 ${1} $ {A} $`, `$1 ${1} $ {A} $`},
	{`$A_B $A-B ${A}${A}`, `$A_B val-B valval`},
}

var substituteEnv = map[string]string{"A": "val", "B": "x y", "EMPTY": ""}

func TestSubstitute(t *testing.T) {
	for _, c := range substituteCases {
		got, replaced := lint.Substitute([]byte(c.in), substituteEnv)
		if string(got) != c.want {
			t.Errorf("Substitute(%q) = %q, want %q", c.in, got, c.want)
		}
		if replaced != (c.in != c.want) {
			t.Errorf("Substitute(%q) reports replaced=%v", c.in, replaced)
		}
	}
}

// TestSubstituteAgreesWithEnvsubst runs GNU envsubst, as the official
// image's 20-envsubst-on-templates.sh does, on the same inputs.
func TestSubstituteAgreesWithEnvsubst(t *testing.T) {
	bin, err := exec.LookPath("envsubst")
	if err != nil {
		t.Skip("envsubst (gettext-base) is not installed; TestSubstitute holds its answers")
	}
	var names []string
	env := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range substituteEnv {
		names = append(names, "${"+k+"}")
		env = append(env, k+"="+v)
	}
	sort.Strings(names)
	for _, c := range substituteCases {
		cmd := exec.Command(bin, strings.Join(names, " "))
		cmd.Env = env
		cmd.Stdin = strings.NewReader(c.in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := lint.Substitute([]byte(c.in), substituteEnv)
		if string(got) != string(out) {
			t.Errorf("%q: xaccel %q, envsubst %q", c.in, got, out)
		}
	}
}

func writeTemplateTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type ruleAt struct {
	Rule string
	At   string // base name:line
}

func rulesAt(r *lint.Report) []ruleAt {
	var out []ruleAt
	for _, f := range r.Findings {
		out = append(out, ruleAt{f.Rule, filepath.Base(f.Pos.File) + ":" + itoa(f.Pos.Line)})
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestEnvTemplates: --env renders the main file and its includes (an
// include path with a variable too), findings keep the template's line,
// and nginx's own variables are left alone.
func TestEnvTemplates(t *testing.T) {
	dir := writeTemplateTree(t, map[string]string{
		"templates/default.conf.template": `server {
    listen ${NGINX_PORT};
    server_name ${NGINX_HOST};
    root ${APP_ROOT};
    include ${SNIPPETS}/media.conf;
    location / {
        try_files $uri $uri/ @app;
    }
    location @app { proxy_pass http://127.0.0.1:8000; }
}
`,
		"snippets/media.conf": `# the media are served by the app
location ${MEDIA_URL} {
    alias ${APP_ROOT}/media/;
}
`,
	})
	main := filepath.Join(dir, "templates", "default.conf.template")
	env := map[string]string{"NGINX_PORT": "80", "NGINX_HOST": "example.com", "APP_ROOT": "/srv/app", "SNIPPETS": filepath.Join(dir, "snippets"), "MEDIA_URL": "/media/"}
	r, err := lint.LintPaths([]string{main}, lint.LintOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	want := []ruleAt{{"media-not-internal", "media.conf:2"}}
	if diff := cmp.Diff(want, rulesAt(r)); diff != "" {
		t.Errorf("with --env (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(r.Sources[main]), "root /srv/app;") || !strings.Contains(string(r.Sources[main]), "try_files $uri $uri/ @app;") {
		t.Errorf("the template was not rendered as envsubst would:\n%s", r.Sources[main])
	}

	// Without --env the include names a directory that does not exist:
	// said, not silent.
	r, err = lint.LintPaths([]string{main}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ruleAt{{"include-not-found", "default.conf.template:5"}}, rulesAt(r)); diff != "" {
		t.Errorf("without --env (-want +got):\n%s", diff)
	}
}

// TestEnvFile reads NAME=VALUE lines; errors name the file and line.
func TestEnvFile(t *testing.T) {
	dir := writeTemplateTree(t, map[string]string{
		"ok.env":   "# settings\nA=1\n\nexport B=\"two words\"\nC='x'\nD=\nE=a=b\n",
		"bad.env":  "A=1\nnot an assignment\n",
		"name.env": "A=1\n\n9X=2\n",
	})
	env := map[string]string{"A": "0", "Z": "z"}
	if err := lint.ReadEnvFile(env, filepath.Join(dir, "ok.env")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "x", "D": "", "E": "a=b", "Z": "z"}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for file, msg := range map[string]string{"bad.env": "bad.env:2: want NAME=VALUE", "name.env": `name.env:3: 9X: "9X" is not a variable name`} {
		err := lint.ReadEnvFile(map[string]string{}, filepath.Join(dir, file))
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want one containing %q", file, err, msg)
		}
	}
	if err := lint.ReadEnvFile(map[string]string{}, filepath.Join(dir, "missing.env")); err == nil {
		t.Error("a missing env file is not an error")
	}
}

func TestParseEnv(t *testing.T) {
	env := map[string]string{}
	if err := lint.ParseEnv(env, []string{"A=1", "B=", "C=x=y", "A=2"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"A": "2", "B": "", "C": "x=y"}, env); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"A", "=1", "A B=1", "A=line\nbreak", "A=cr\r"} {
		if err := lint.ParseEnv(map[string]string{}, []string{bad}); err == nil {
			t.Errorf("ParseEnv(%q) accepted", bad)
		}
	}
}

// TestTemplateMarkup: an unrendered Jinja, Go template or ERB file is a
// syntax finding at the first tag that says how to render it, and nginx
// refuses the same files (but for a tag in quotes: not what is deployed
// either).
func TestTemplateMarkup(t *testing.T) {
	cases := []struct {
		name, src string
		at        string // line:column of the finding, "" for none
		lang      string
		accepted  bool // nginx -t accepts the file as it is (a quoted tag)
	}{
		{"site.conf.j2", "# {{ ansible_managed }}\nserver {\n    listen 80;\n    server_name {{ domain }};\n    location /media/ { alias {{ app_root }}/media/; }\n}\n", "4:17", "Jinja markup `{{ domain }}` (and on 1 more line)", false},
		{"site.conf.j2", "server {\n    listen 80;\n{% if ssl %}\n    listen 443 ssl;\n{% endif %}\n}\n", "3:1", "Jinja markup `{% if ssl %}` (and on 1 more line)", false},
		{"quoted.conf", "server {\n    listen 80;\n    server_name \"{{ domain }}\";\n}\n", "3:18", "Jinja markup", true},
		{"nginx.conf.tmpl", "server {\n    listen 80;\n    server_name {{ .Env.DOMAIN }};\n}\n", "3:17", "Go template markup", false},
		{"gomplate.conf", "server {\n    listen 80;\n    root {{ getenv \"ROOT\" }};\n}\n", "3:10", "Go template markup", false},
		// ERB reads as nginx tokens: an unknown directive "<%", which
		// nginx refuses and xaccel used to accept.
		{"site.conf.erb", "server {\n    listen 80;\n<% if @ssl -%>\n    listen 443 ssl;\n<% end -%>\n    server_name <%= @server_name %>;\n}\n", "3:1", "ERB markup `<% if @ssl -%>` (and on 2 more lines)", false},
		{"plain.conf", "server {\n    listen 80;\n    location ~ \"^/a{2}$\" { return 404; }\n    add_header X-Tag \"{not a tag}\";\n}\n", "", "", false},
		{"comment.conf", "# rendered from {{ template }} by ansible\nserver {\n    listen 80;\n}\n", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.at, func(t *testing.T) {
			dir := writeTemplateTree(t, map[string]string{c.name: c.src})
			p := filepath.Join(dir, c.name)
			r, err := lint.LintPaths([]string{p}, lint.LintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, f := range r.Findings {
				if f.Rule == "syntax" && strings.Contains(f.Message, "render it first") {
					found = append(found, itoa(f.Pos.Line)+":"+itoa(f.Pos.Column))
					if !strings.Contains(f.Message, c.lang) {
						t.Errorf("message %q does not say %q", f.Message, c.lang)
					}
				}
			}
			if c.at == "" {
				if len(r.Findings) != 0 {
					t.Errorf("findings in a file without template markup: %v", r.Findings)
				}
				return
			}
			if diff := cmp.Diff([]string{c.at}, found); diff != "" {
				t.Errorf("markup findings (-want +got):\n%s\nall: %v", diff, r.Findings)
			}
			for _, f := range r.Findings {
				if f.Rule != "syntax" || !strings.Contains(f.Message, "render it first") {
					t.Errorf("another finding besides the markup: %s %s", f.Rule, f.Message)
				}
			}
			if r.ExitCode(lint.Error) != 1 {
				t.Error("exit code 0 for an unrendered template")
			}
			if realnginx.Binary() != "" && !c.accepted {
				if ok, out := realnginx.CheckHTTP(c.src, nil); ok {
					t.Errorf("nginx -t accepts the unrendered template:\n%s", out)
				}
			}
		})
	}
}

// TestTemplateMarkupInLua: Lua code may hold {{ }}; it is not markup.
func TestTemplateMarkupInLua(t *testing.T) {
	dir := writeTemplateTree(t, map[string]string{"lua.conf": "server {\n    listen 80;\n    location /t {\n        content_by_lua_block {\n            local t = {{1, 2}, {3}}\n            ngx.say(\"<%= x %>\")\n        }\n    }\n}\n"})
	r, err := lint.LintPaths([]string{filepath.Join(dir, "lua.conf")}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Rule == "syntax" {
			t.Errorf("Lua code taken for markup: %s", f.Message)
		}
	}
}
