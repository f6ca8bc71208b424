package lint_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/xaccel/xaccel/internal/golden"
	"github.com/xaccel/xaccel/lint"
)

func TestConfigErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"protect: [/media/]\nfail_on: warning\nprotekt: [/x/]\n", "x.yaml:3: unknown key \"protekt\""},
		{"fail_on: fatal\n", "x.yaml:1: fail_on: \"fatal\" is not one of error, warning, info"},
		{"public: []\nfail_on: Error\n", "x.yaml:2: fail_on: \"Error\" is not one of error, warning, info (lower case: write fail_on: error)"},
		{"rules:\n  alias-traversal: Off\n", "x.yaml:2: rules: alias-traversal: want off, info, warning or error (lower case: write alias-traversal: off)"},
		{"protect:\n  - /a/\n  - media/\n", "x.yaml:3: protect: \"media/\" is a URL prefix and must start with /; write /media/"},
		{"generate:\n  backend: django\n  bakend: flask\n", "x.yaml:3: generate: unknown key \"bakend\" (known keys: app, app_root, backend,"},
		{"generate:\n  front: nginx\n\n  backend: djnago\n", "x.yaml:4: generate.backend: \"djnago\" is not one of django, flask,"},
		{"generate:\n  internal_prefix: _protected/\n", "x.yaml:2: generate.internal_prefix: \"_protected/\" must start with /; write internal_prefix: /_protected/"},
		{"generate:\n  server_name: 8080\n", "x.yaml:2: generate.server_name: want a string; write it in quotes: server_name: \"8080\""},
		{"generate: backend\n", "x.yaml:1: generate: want a mapping of settings"},
		{"public: []\nprotect: [\n", "x.yaml:2: not valid YAML: "},
		{"rules:\n  media-not-internal: loud\n", "x.yaml:2: rules: media-not-internal: want off, info, warning or error"},
		{"rules:\n  no-such-rule: off\n", "x.yaml:2: rules: unknown rule \"no-such-rule\""},
		{"rules:\n  syntax: off\n", "x.yaml:2: rules: syntax cannot be configured"},
		{"protect: /media/\n", "x.yaml:1: protect: want a list"},
		{"public:\n  - /a/\n  - [x]\n", "x.yaml:3: public: every entry must be a non-empty string"},
		{"ignore: ['[']\n", "x.yaml:1: ignore: \"[\" is not a valid glob"},
		{"protect: [\n", "x.yaml:1: not valid YAML"},
		{"- a\n- b\n", "x.yaml:1: the file must be a mapping"},
		{"public: []\npublic: []\n", "x.yaml:2: key \"public\" is given twice"},
	} {
		_, err := lint.ParseConfig("x.yaml", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error starting %q", c.src, err, c.want)
		}
	}
}

func TestConfigValues(t *testing.T) {
	src := "protect: [/media/]\nprotect_dirs: [/srv/m]\npublic: [/static/]\nprefix: etc\nrules:\n  accel-header-exposed: off\n  media-missing-nosniff: error\nignore: ['legacy/*.conf']\nfail_on: error\n"
	c, err := lint.ParseConfig("/repo/.xaccel.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &lint.ConfigFile{
		Path: "/repo/.xaccel.yaml", Protect: []string{"/media/"}, ProtectDirs: []string{"/srv/m"},
		Public: []string{"/static/"}, Prefix: "/repo/etc",
		Levels: map[string]lint.Level{"accel-header-exposed": lint.Off, "media-missing-nosniff": lint.Level(lint.Error)},
		Ignore: []string{"legacy/*.conf"}, FailOn: "error",
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFindConfigWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := lint.FindConfig(deep); got != "" && strings.HasPrefix(got, root) {
		t.Fatalf("found %s before writing one", got)
	}
	p := filepath.Join(root, "a", lint.ConfigFileName)
	if err := os.WriteFile(p, []byte("fail_on: error\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := lint.FindConfig(deep); got != p {
		t.Errorf("FindConfig = %q, want %q", got, p)
	}
}

// schemaOf is the JSON Schema of .xaccel.yaml that the loader's ConfigKeys
// describe: docs/xaccel.schema.json must be exactly this (go test ./lint
// -run TestSchemaMatchesLoader -update rewrites it).
func schemaOf() map[string]any {
	var props func(keys []lint.ConfigKey) map[string]any
	value := func(k lint.ConfigKey) map[string]any {
		str := map[string]any{"type": "string", "minLength": 1}
		if k.Slash {
			str = map[string]any{"type": "string", "pattern": "^/"}
		}
		var v map[string]any
		switch k.Kind {
		case lint.KindList:
			v = map[string]any{"type": "array", "items": str}
		case lint.KindString:
			v = str
		case lint.KindEnum:
			v = map[string]any{"enum": k.Enum}
		case lint.KindRules:
			v = map[string]any{
				"type":                 "object",
				"propertyNames":        map[string]any{"enum": lint.ConfigurableRules()},
				"additionalProperties": map[string]any{"enum": k.Enum},
			}
		case lint.KindSection:
			v = map[string]any{"type": "object", "additionalProperties": false, "properties": props(k.Section)}
		case lint.KindEnv:
			v = map[string]any{
				"type":                 "object",
				"propertyNames":        map[string]any{"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
				"additionalProperties": map[string]any{"type": "string", "pattern": "^[^\n\r]*$"},
			}
		}
		v["description"] = strings.ToUpper(k.What[:1]) + k.What[1:] + "."
		return v
	}
	props = func(keys []lint.ConfigKey) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			out[k.Name] = value(k)
		}
		return out
	}
	return map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"$id":                  "https://github.com/xaccel/xaccel/blob/main/docs/xaccel.schema.json",
		"title":                ".xaccel.yaml",
		"description":          "Configuration of xaccel lint and xaccel generate. Found by walking up from the working directory; see docs/usage.md. Generated from the loader (lint.ConfigKeys) by go test ./lint -run TestSchemaMatchesLoader -update.",
		"type":                 "object",
		"additionalProperties": false,
		"properties":           props(lint.ConfigKeys),
	}
}

// TestSchemaMatchesLoader: docs/xaccel.schema.json is the schema the
// loader's key table describes, and the loader and the schema accept and
// refuse the same files.
func TestSchemaMatchesLoader(t *testing.T) {
	const path = "../docs/xaccel.schema.json"
	want, err := json.MarshalIndent(schemaOf(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	// docs/xaccel.schema.json is the schema of lint.ConfigKeys
	golden.Check(t, path, want)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	c := jsonschema.NewCompiler()
	sch, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("xaccel.schema.json", sch); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile("xaccel.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src string
		ok  bool
	}{
		{lint.DefaultConfig, true},
		{"", true},
		{"fail_on: error\n", true},
		{"fail_on: Error\n", false},
		{"fail_on: fatal\n", false},
		{"fail_on: null\n", false},
		{"protect: [/media/]\npublic: [/static/]\n", true},
		{"protect: [media/]\n", false},
		{"public: [static/]\n", false},
		{"protect: /media/\n", false},
		{"protect: ['']\n", false},
		{"protect_dirs: [srv/media, /srv/x]\n", true},
		{"protect_dirs: [1]\n", false},
		{"ignore: ['conf.d/*.conf']\n", true},
		{"prefix: etc/nginx\n", true},
		{"prefix: ''\n", false},
		{"prefix: 12\n", false},
		{"rules: {media-not-internal: off, alias-traversal: error}\n", true},
		{"rules: {media-not-internal: Off}\n", false},
		{"rules: {media-not-internal: false}\n", false},
		{"rules: {syntax: off}\n", false},
		{"rules: {no-such-rule: off}\n", false},
		{"rules: [media-not-internal]\n", false},
		{"generate: {backend: django, front: caddy, internal_prefix: /p/, files_dir: /srv/f, download_path: /d/, app: '127.0.0.1:8000', app_root: /srv/app, server_name: example.com, out: setup, template_dir: tpl}\n", true},
		{"generate: {backend: djnago}\n", false},
		{"generate: {backend: Django}\n", false},
		{"generate: {front: traefik}\n", false},
		{"generate: {bakend: django}\n", false},
		{"generate: {internal_prefix: p/}\n", false},
		{"generate: {files_dir: srv/f}\n", false},
		{"generate: {out: ''}\n", false},
		{"generate: {server_name: 80}\n", false},
		{"generate: [backend]\n", false},
		{"unknown: 1\n", false},
		{"env: {NGINX_HOST: example.com, APP_ROOT: /srv/app, EMPTY: ''}\n", true},
		{"env: {PORT: 80}\n", false},
		{"env: {PORT: '80'}\n", true},
		{"env: {9X: a}\n", false},
		{"env: {A-B: a}\n", false},
		{"env: {A: null}\n", false},
		{"env: {A: true}\n", false},
		{"env: {A: \"two\\nlines\"}\n", false},
		{"env: [A=1]\n", false},
		{"env_file: deploy/.env\n", true},
		{"env_file: ''\n", false},
	} {
		_, lerr := lint.ParseConfig("x.yaml", []byte(tc.src))
		var doc any
		if err := yaml.Unmarshal([]byte(tc.src), &doc); err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if doc == nil {
			doc = map[string]any{} // an empty file is no settings
		}
		serr := compiled.Validate(doc)
		if (lerr == nil) != tc.ok || (serr == nil) != tc.ok {
			t.Errorf("%q: loader error %v, schema error %v; want both to accept: %v", tc.src, lerr, serr, tc.ok)
		}
	}
}
