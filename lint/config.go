package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/xaccel/xaccel/internal/atomicfile"
)

// ConfigFileName is the name of the configuration file, looked for in the
// working directory and each directory above it.
const ConfigFileName = ".xaccel.yaml"

// ConfigFile is the content of a .xaccel.yaml.
type ConfigFile struct {
	Path        string
	Protect     []string
	ProtectDirs []string
	Public      []string
	Prefix      string // resolved against the file's directory
	Levels      map[string]Level
	Ignore      []string
	FailOn      string
	Env         map[string]string // env: template variables
	EnvFile     string            // env_file:, resolved against the file's directory
	// Generate holds the settings of xaccel generate, in file order; the
	// generator checks their names and values.
	Generate []ConfigEntry
}

// ConfigEntry is one key: value of a nested section, with its lines.
type ConfigEntry struct {
	Key, Value string
	KeyLine    int
	ValueLine  int
}

// ConfigError is a problem in a configuration file, with the line of the
// offending key or value.
type ConfigError struct {
	Path string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// ValueKind is the shape of a key's value in .xaccel.yaml.
type ValueKind int

const (
	// KindList is a list of non-empty strings.
	KindList ValueKind = iota
	// KindString is a non-empty string.
	KindString
	// KindEnum is one of Enum, spelled exactly (lower case).
	KindEnum
	// KindRules maps rule names (ConfigurableRules) to a level, one of Enum.
	KindRules
	// KindSection maps the keys of Section to their values.
	KindSection
	// KindEnv maps variable names (letters, digits and _, not starting
	// with a digit) to values of one line, possibly empty.
	KindEnv
)

// ConfigKey describes one key of .xaccel.yaml. The loader checks a file
// with these descriptions, and a test compares them with the JSON Schema
// (docs/xaccel.schema.json) both ways, so the two accept the same files.
type ConfigKey struct {
	Name string
	What string // what it holds, for messages and docs
	Kind ValueKind
	Enum []string // KindEnum, KindRules: the values
	// Slash: the value (each entry of a list) must start with "/": a URL
	// path, or an absolute directory.
	Slash   bool
	Section []ConfigKey // KindSection: its keys
}

// Levels are the values of a rule in rules:.
var Levels = []string{"off", "info", "warning", "error"}

// GenerateBackends and GenerateFronts are the values of generate:
// backend and front; a test checks them against the generator's lists.
var (
	GenerateBackends = []string{"django", "flask", "fastapi", "rails", "laravel", "php", "express", "go", "spring", "aspnet"}
	GenerateFronts   = []string{"nginx", "caddy", "apache"}
)

// ConfigKeys are the keys a .xaccel.yaml may have, in the order docs list
// them.
var ConfigKeys = []ConfigKey{
	{Name: "protect", What: "URL prefixes that hold protected files (like --protect)", Kind: KindList, Slash: true},
	{Name: "protect_dirs", What: "directories that hold protected files (like --protect-dir)", Kind: KindList},
	{Name: "public", What: "URL prefixes that are public on purpose (like --public)", Kind: KindList, Slash: true},
	{Name: "prefix", What: "the directory that relative includes are resolved against (like --prefix)", Kind: KindString},
	{Name: "rules", What: "rule levels: off, info, warning or error", Kind: KindRules, Enum: Levels},
	{Name: "ignore", What: "file globs whose findings are dropped", Kind: KindList},
	{Name: "fail_on", What: "the lowest severity that makes xaccel lint exit 1 (like --fail-on)", Kind: KindEnum, Enum: []string{"error", "warning", "info"}},
	{Name: "env", What: "template variables: NAME: value, substituted for $NAME and ${NAME} in every file (like --env)", Kind: KindEnv},
	{Name: "env_file", What: "a file of NAME=VALUE lines of template variables, relative to this file (like --env-file); env: wins over it", Kind: KindString},
	{Name: "generate", What: "settings of xaccel generate", Kind: KindSection, Section: []ConfigKey{
		{Name: "backend", What: "the app's framework (like --backend)", Kind: KindEnum, Enum: GenerateBackends},
		{Name: "front", What: "the front server (like --front)", Kind: KindEnum, Enum: GenerateFronts},
		{Name: "internal_prefix", What: "the internal location's URL prefix (like --internal-prefix)", Kind: KindString, Slash: true},
		{Name: "files_dir", What: "the private directory on the server (like --files-dir)", Kind: KindString, Slash: true},
		{Name: "download_path", What: "the app URL that checks permissions (like --download-path)", Kind: KindString, Slash: true},
		{Name: "app", What: "where the front server reaches the app (like --app)", Kind: KindString},
		{Name: "app_root", What: "where the PHP code is deployed (like --app-root)", Kind: KindString, Slash: true},
		{Name: "server_name", What: "the server_name (like --server-name)", Kind: KindString},
		{Name: "out", What: "the output directory, relative to the file (like --out)", Kind: KindString},
		{Name: "template_dir", What: "templates that replace the built-in ones, relative to the file (like --template-dir)", Kind: KindString},
	}},
}

func keyNames(keys []ConfigKey) string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func findKey(keys []ConfigKey, name string) (ConfigKey, bool) {
	for _, k := range keys {
		if k.Name == name {
			return k, true
		}
	}
	return ConfigKey{}, false
}

// CheckURLPrefixes checks the values of a flag that takes URL prefixes
// (--protect, --public): each must start with "/".
func CheckURLPrefixes(flag string, values []string) error {
	for _, v := range values {
		if !strings.HasPrefix(v, "/") {
			hint := ""
			if flag == "--protect" {
				hint = " (a directory on disk is --protect-dir DIR)"
			}
			return fmt.Errorf("%s %q: a URL prefix starts with /; write %s /%s%s", flag, v, flag, strings.TrimLeft(v, "./"), hint)
		}
	}
	return nil
}

// FindConfig looks for .xaccel.yaml in dir and each directory above it; ""
// when there is none.
func FindConfig(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, ConfigFileName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// LoadConfig reads and checks a .xaccel.yaml. Unknown keys and bad values
// are errors that name the line.
func LoadConfig(path string) (*ConfigFile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{Path: path, Msg: err.Error()}
	}
	return ParseConfig(path, src)
}

// ParseConfig checks the content of a .xaccel.yaml read from path: every
// key and value against ConfigKeys. Each error names the line.
func ParseConfig(path string, src []byte) (*ConfigFile, error) {
	c := &ConfigFile{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, yamlError(path, err)
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ConfigError{Path: path, Line: root.Line, Msg: "the file must be a mapping of keys (protect, rules, ...)"}
	}
	fail := func(n *yaml.Node, format string, a ...any) error {
		return &ConfigError{Path: path, Line: n.Line, Msg: fmt.Sprintf(format, a...)}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, fail(k, "key %q is given twice", k.Value)
		}
		seen[k.Value] = true
		spec, ok := findKey(ConfigKeys, k.Value)
		if !ok {
			return nil, fail(k, "unknown key %q (known keys: %s)", k.Value, keyNames(ConfigKeys))
		}
		switch spec.Kind {
		case KindList:
			list, err := stringList(v, fail, spec)
			if err != nil {
				return nil, err
			}
			switch spec.Name {
			case "protect":
				c.Protect = list
			case "protect_dirs":
				c.ProtectDirs = list
			case "public":
				c.Public = list
			case "ignore":
				c.Ignore = list
				for j, g := range c.Ignore {
					if _, perr := filepath.Match(g, ""); perr != nil {
						return nil, fail(v.Content[j], "ignore: %q is not a valid glob", g)
					}
				}
			}
		case KindString, KindEnum:
			val, err := scalar(v, fail, spec.Name, spec)
			if err != nil {
				return nil, err
			}
			switch spec.Name {
			case "prefix":
				c.Prefix = val
				if !filepath.IsAbs(c.Prefix) {
					c.Prefix = filepath.Join(filepath.Dir(path), c.Prefix)
				}
			case "fail_on":
				c.FailOn = val
			case "env_file":
				c.EnvFile = val
				if !filepath.IsAbs(c.EnvFile) {
					c.EnvFile = filepath.Join(filepath.Dir(path), c.EnvFile)
				}
			}
		case KindRules:
			levels, err := ruleLevels(v, fail)
			if err != nil {
				return nil, err
			}
			c.Levels = levels
		case KindSection:
			es, err := section(v, fail, spec)
			if err != nil {
				return nil, err
			}
			c.Generate = es
		case KindEnv:
			env, err := envMap(v, fail, spec.Name)
			if err != nil {
				return nil, err
			}
			c.Env = env
		}
	}
	return c, nil
}

// yamlError turns an error of the YAML parser into a ConfigError with its
// line ("yaml: line 3: ...").
func yamlError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, perr := strconv.Atoi(rest[:i]); perr == nil {
				line, msg = n, rest[i+2:]
			}
		}
	}
	if line == 0 {
		line = 1 // the parser names no line: the error is about the file as a whole
	}
	return &ConfigError{Path: path, Line: line, Msg: "not valid YAML: " + msg}
}

// scalar checks a single value against spec; name is how messages call the
// key (generate.backend).
func scalar(v *yaml.Node, fail func(*yaml.Node, string, ...any) error, name string, spec ConfigKey) (string, error) {
	want := "a single value"
	if spec.Kind == KindEnum {
		want = strings.Join(spec.Enum, ", ")
	}
	if v.Kind != yaml.ScalarNode || v.Value == "" || v.Tag != "!!str" {
		if v.Kind == yaml.ScalarNode && v.Value != "" && v.Tag != "!!null" && spec.Kind == KindString {
			return "", fail(v, "%s: want a string; write it in quotes: %s: \"%s\"", name, spec.Name, v.Value)
		}
		return "", fail(v, "%s: want %s", name, want)
	}
	if spec.Kind == KindEnum && !slices.Contains(spec.Enum, v.Value) {
		msg := fmt.Sprintf("%s: %q is not one of %s", name, v.Value, want)
		if low := strings.ToLower(v.Value); slices.Contains(spec.Enum, low) {
			msg += fmt.Sprintf(" (lower case: write %s: %s)", spec.Name, low)
		}
		return "", fail(v, "%s", msg)
	}
	if spec.Slash && !strings.HasPrefix(v.Value, "/") {
		return "", fail(v, "%s: %q must start with /; write %s: /%s", name, v.Value, spec.Name, strings.TrimLeft(v.Value, "./"))
	}
	return v.Value, nil
}

// section reads a mapping of the keys of spec.Section.
func section(v *yaml.Node, fail func(*yaml.Node, string, ...any) error, spec ConfigKey) ([]ConfigEntry, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fail(v, "%s: want a mapping of settings (%s)", spec.Name, keyNames(spec.Section))
	}
	var out []ConfigEntry
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if seen[k.Value] {
			return nil, fail(k, "%s: key %q is given twice", spec.Name, k.Value)
		}
		seen[k.Value] = true
		sub, ok := findKey(spec.Section, k.Value)
		if !ok {
			return nil, fail(k, "%s: unknown key %q (known keys: %s)", spec.Name, k.Value, keyNames(spec.Section))
		}
		value, err := scalar(val, fail, spec.Name+"."+k.Value, sub)
		if err != nil {
			return nil, err
		}
		out = append(out, ConfigEntry{Key: k.Value, Value: value, KeyLine: k.Line, ValueLine: val.Line})
	}
	return out, nil
}

func stringList(v *yaml.Node, fail func(*yaml.Node, string, ...any) error, spec ConfigKey) ([]string, error) {
	key := spec.Name
	if v.Kind != yaml.SequenceNode {
		return nil, fail(v, "%s: want a list, e.g. %s: [\"/media/\"]", key, key)
	}
	var out []string
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode || e.Value == "" || e.Tag != "!!str" {
			return nil, fail(e, "%s: every entry must be a non-empty string (quote one that YAML reads as a number or a boolean)", key)
		}
		if spec.Slash && !strings.HasPrefix(e.Value, "/") {
			return nil, fail(e, "%s: %q is a URL prefix and must start with /; write /%s", key, e.Value, strings.TrimLeft(e.Value, "./"))
		}
		out = append(out, e.Value)
	}
	return out, nil
}

// envMap reads a mapping of variable names to one-line string values.
func envMap(v *yaml.Node, fail func(*yaml.Node, string, ...any) error, key string) (map[string]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fail(v, "%s: want a mapping of NAME: value, e.g. %s: {APP_ROOT: /srv/app}", key, key)
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if _, dup := out[k.Value]; dup {
			return nil, fail(k, "%s: %s is given twice", key, k.Value)
		}
		if k.Kind != yaml.ScalarNode || !envName(k.Value) {
			return nil, fail(k, "%s: %q is not a variable name (letters, digits and _, not starting with a digit)", key, k.Value)
		}
		if val.Kind != yaml.ScalarNode || val.Tag != "!!str" {
			return nil, fail(val, "%s: %s: want a string; write it in quotes: %s: \"%s\"", key, k.Value, k.Value, val.Value)
		}
		if err := checkEnv(k.Value, val.Value); err != nil {
			return nil, fail(val, "%s: %s: %v", key, k.Value, err)
		}
		out[k.Value] = val.Value
	}
	return out, nil
}

// LoadEnv adds the file's template variables to env: those of env_file:,
// then those of env:, which win.
func (c *ConfigFile) LoadEnv(env map[string]string) error {
	if c.EnvFile != "" {
		if err := ReadEnvFile(env, c.EnvFile); err != nil {
			return fmt.Errorf("%s: env_file: %v", c.Path, err)
		}
	}
	for k, v := range c.Env {
		env[k] = v
	}
	return nil
}

func ruleLevels(v *yaml.Node, fail func(*yaml.Node, string, ...any) error) (map[string]Level, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fail(v, "rules: want a mapping of rule name to off, info, warning or error")
	}
	out := map[string]Level{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, lv := v.Content[i], v.Content[i+1]
		if k.Value == "syntax" {
			return nil, fail(k, "rules: syntax cannot be configured: nginx refuses such a configuration")
		}
		if RuleByName(k.Value) == nil {
			return nil, fail(k, "rules: unknown rule %q (the rules: %s; see docs/rules.md)", k.Value, strings.Join(ConfigurableRules(), ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, fail(k, "rules: %s is given twice", k.Value)
		}
		if lv.Kind != yaml.ScalarNode || lv.Tag != "!!str" || !slices.Contains(Levels, lv.Value) {
			msg := fmt.Sprintf("rules: %s: want off, info, warning or error", k.Value)
			if low := strings.ToLower(lv.Value); lv.Kind == yaml.ScalarNode && slices.Contains(Levels, low) {
				msg += fmt.Sprintf(" (lower case: write %s: %s)", k.Value, low)
			}
			return nil, fail(lv, "%s", msg)
		}
		l, _ := ParseLevel(lv.Value)
		out[k.Value] = l
	}
	return out, nil
}

// ConfigurableRules are the rules a level can be set for (in rules: of
// .xaccel.yaml, with --disable and --enable): every rule but syntax.
func ConfigurableRules() []string {
	var out []string
	for _, r := range Rules {
		if r.Name != "syntax" {
			out = append(out, r.Name)
		}
	}
	return out
}

// RuleFlags turns --disable and --enable into rule levels: a disabled rule
// is off, an enabled one is back at its default severity (over a level
// .xaccel.yaml gives it). An unknown rule, syntax, or a rule named by both
// is an error that says what to write.
func RuleFlags(disable, enable []string) (map[string]Level, error) {
	levels := map[string]Level{}
	check := func(flag, name string) error {
		if name == "syntax" {
			return fmt.Errorf("%s syntax: the syntax rule cannot be switched off: nginx refuses such a configuration, so nothing else can be checked; fix the syntax error", flag)
		}
		if RuleByName(name) == nil {
			return fmt.Errorf("%s %s: no such rule; the rules are %s", flag, name, strings.Join(ConfigurableRules(), ", "))
		}
		return nil
	}
	for _, name := range disable {
		if err := check("--disable", name); err != nil {
			return nil, err
		}
		levels[name] = Off
	}
	for _, name := range enable {
		if err := check("--enable", name); err != nil {
			return nil, err
		}
		if levels[name] == Off {
			return nil, fmt.Errorf("--enable %s and --disable %s: give one of them", name, name)
		}
		levels[name] = Level(RuleByName(name).Severity)
	}
	return levels, nil
}

// DefaultConfig is what `xaccel init` writes: every key, commented.
const DefaultConfig = `# xaccel configuration: found by walking up from the working directory.
# Flags given on the command line add to the lists and override the rest.
# Reference: docs/usage.md; JSON Schema: docs/xaccel.schema.json.

# URL prefixes that hold protected files (like --protect). Locations under
# them that anyone can reach are errors.
protect: []
#  - /media/

# Directories on disk that hold protected files (like --protect-dir).
protect_dirs: []
#  - /srv/app/media

# URL prefixes that are public on purpose (like --public): not reported.
public: []
#  - /static/

# Directory that relative include paths are resolved against (like
# --prefix); relative to this file. Default: each config file's directory.
# prefix: /etc/nginx

# Rule levels: off, info, warning or error (syntax cannot be changed).
rules: {}
#  media-missing-nosniff: error
#  accel-header-exposed: off

# Files whose findings are dropped (globs, matched against the path and
# each of its trailing parts).
ignore: []
#  - conf.d/legacy-*.conf

# The lowest severity that makes xaccel lint exit 1 (like --fail-on).
fail_on: warning

# Template variables (like --env): $NAME and ${NAME} are replaced in every
# file for the names given here, as the official nginx image's envsubst
# does with *.template files; nginx's own $host, $uri stay.
# env:
#   NGINX_HOST: example.com
# A file of NAME=VALUE lines (like --env-file), relative to this file.
# env_file: deploy/.env
`

// Apply adds the file's settings to options from the command line: lists
// are joined, and the prefix is used when none was given. fail_on is the
// caller's to apply, since a flag given explicitly wins over it.
func (c *ConfigFile) Apply(o *LintOptions) {
	o.Protect = append(append([]string(nil), c.Protect...), o.Protect...)
	o.ProtectDirs = append(append([]string(nil), c.ProtectDirs...), o.ProtectDirs...)
	o.Public = append(append([]string(nil), c.Public...), o.Public...)
	o.IgnoreFiles = append(append([]string(nil), c.Ignore...), o.IgnoreFiles...)
	if len(c.Levels) > 0 {
		levels := map[string]Level{}
		for k, v := range c.Levels {
			levels[k] = v
		}
		for k, v := range o.Levels {
			levels[k] = v
		}
		o.Levels = levels
	}
	if o.Prefix == "" {
		o.Prefix = c.Prefix
	}
}

// WriteDefaultConfig writes DefaultConfig to path, atomically; it refuses
// to replace an existing file unless force is set.
func WriteDefaultConfig(path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s already exists; use --force to replace it", path)
	}
	return atomicfile.WriteFile(path, []byte(DefaultConfig), 0o644)
}
