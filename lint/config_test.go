package lint_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/xaccel/xaccel/lint"
)

func TestConfigErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"protect: [/media/]\nfail_on: warning\nprotekt: [/x/]\n", "x.yaml:3: unknown key \"protekt\""},
		{"fail_on: fatal\n", "x.yaml:1: fail_on: unknown severity \"fatal\""},
		{"rules:\n  media-not-internal: loud\n", "x.yaml:2: rules: media-not-internal: want off, info, warning or error"},
		{"rules:\n  no-such-rule: off\n", "x.yaml:2: rules: unknown rule \"no-such-rule\""},
		{"rules:\n  syntax: off\n", "x.yaml:2: rules: syntax cannot be configured"},
		{"protect: /media/\n", "x.yaml:1: protect: want a list"},
		{"public:\n  - /a/\n  - [x]\n", "x.yaml:3: public: every entry must be a non-empty string"},
		{"ignore: ['[']\n", "x.yaml:1: ignore: \"[\" is not a valid glob"},
		{"protect: [\n", "x.yaml: not valid YAML"},
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

// TestSchemaMatchesLoader: the published JSON Schema lists exactly the keys
// and rule names the loader accepts, and the file `xaccel init` writes is
// valid under it (and loads).
func TestSchemaMatchesLoader(t *testing.T) {
	raw, err := os.ReadFile("../docs/xaccel.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]struct {
			PropertyNames struct {
				Enum []string `json:"enum"`
			} `json:"propertyNames"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var keys, known []string
	for k := range schema.Properties {
		keys = append(keys, k)
	}
	for k := range lint.ConfigKeys {
		known = append(known, k)
	}
	sort.Strings(keys)
	sort.Strings(known)
	if diff := cmp.Diff(known, keys); diff != "" {
		t.Errorf("schema keys differ from the loader's (-loader +schema):\n%s", diff)
	}
	var rules []string
	for _, r := range lint.Rules {
		if r.Name != "syntax" {
			rules = append(rules, r.Name)
		}
	}
	schemaRules := schema.Properties["rules"].PropertyNames.Enum
	sort.Strings(rules)
	sort.Strings(schemaRules)
	if diff := cmp.Diff(rules, schemaRules); diff != "" {
		t.Errorf("schema rule names differ (-lint +schema):\n%s", diff)
	}

	if _, err := lint.ParseConfig("default.yaml", []byte(lint.DefaultConfig)); err != nil {
		t.Fatalf("the default config does not load: %v", err)
	}
	var doc any
	if err := yaml.Unmarshal([]byte(lint.DefaultConfig), &doc); err != nil {
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
	if err := compiled.Validate(doc); err != nil {
		t.Errorf("the default config is not valid under the schema: %v", err)
	}
	var bad any
	_ = yaml.Unmarshal([]byte("fail_on: loud\nextra: 1\n"), &bad)
	if compiled.Validate(bad) == nil {
		t.Error("the schema accepts an unknown key and a bad value")
	}
}
