package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// ConfigKeys are the keys a .xaccel.yaml may have, with what they hold.
var ConfigKeys = map[string]string{
	"protect":      "list of URL prefixes that hold protected files",
	"protect_dirs": "list of directories that hold protected files",
	"public":       "list of URL prefixes that are public on purpose",
	"prefix":       "directory that relative includes are resolved against",
	"rules":        "map of rule name to off, info, warning or error",
	"ignore":       "list of file globs whose findings are dropped",
	"fail_on":      "error, warning or info",
	"generate":     "map of xaccel generate settings (backend, front, internal_prefix, ...)",
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

// ParseConfig checks the content of a .xaccel.yaml read from path.
func ParseConfig(path string, src []byte) (*ConfigFile, error) {
	c := &ConfigFile{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, &ConfigError{Path: path, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
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
		var err error
		switch k.Value {
		case "protect":
			c.Protect, err = stringList(v, fail, k.Value)
		case "protect_dirs":
			c.ProtectDirs, err = stringList(v, fail, k.Value)
		case "public":
			c.Public, err = stringList(v, fail, k.Value)
		case "ignore":
			c.Ignore, err = stringList(v, fail, k.Value)
			for _, g := range c.Ignore {
				if _, perr := filepath.Match(g, ""); perr != nil {
					return nil, fail(v, "ignore: %q is not a valid glob", g)
				}
			}
		case "prefix":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				return nil, fail(v, "prefix: want a directory path")
			}
			c.Prefix = v.Value
			if !filepath.IsAbs(c.Prefix) {
				c.Prefix = filepath.Join(filepath.Dir(path), c.Prefix)
			}
		case "fail_on":
			if v.Kind != yaml.ScalarNode {
				return nil, fail(v, "fail_on: want error, warning or info")
			}
			if _, perr := ParseSeverity(v.Value); perr != nil {
				return nil, fail(v, "fail_on: %v", perr)
			}
			c.FailOn = v.Value
		case "rules":
			c.Levels, err = ruleLevels(v, fail)
		case "generate":
			c.Generate, err = entries(v, fail, k.Value)
		default:
			return nil, fail(k, "unknown key %q (known keys: %s)", k.Value, strings.Join(sortedKeys(), ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// entries reads a mapping of scalar values.
func entries(v *yaml.Node, fail func(*yaml.Node, string, ...any) error, key string) ([]ConfigEntry, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fail(v, "%s: want a mapping of settings", key)
	}
	var out []ConfigEntry
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if seen[k.Value] {
			return nil, fail(k, "%s: key %q is given twice", key, k.Value)
		}
		seen[k.Value] = true
		if val.Kind != yaml.ScalarNode {
			return nil, fail(val, "%s.%s: want a single value", key, k.Value)
		}
		out = append(out, ConfigEntry{Key: k.Value, Value: val.Value, KeyLine: k.Line, ValueLine: val.Line})
	}
	return out, nil
}

func sortedKeys() []string {
	var out []string
	for k := range ConfigKeys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func stringList(v *yaml.Node, fail func(*yaml.Node, string, ...any) error, key string) ([]string, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, fail(v, "%s: want a list, e.g. %s: [\"/media/\"]", key, key)
	}
	var out []string
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode || e.Value == "" {
			return nil, fail(e, "%s: every entry must be a non-empty string", key)
		}
		out = append(out, e.Value)
	}
	return out, nil
}

func ruleLevels(v *yaml.Node, fail func(*yaml.Node, string, ...any) error) (map[string]Level, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fail(v, "rules: want a mapping of rule name to off, info, warning or error")
	}
	out := map[string]Level{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, lv := v.Content[i], v.Content[i+1]
		if RuleByName(k.Value) == nil {
			return nil, fail(k, "rules: unknown rule %q (see docs/rules.md)", k.Value)
		}
		if k.Value == "syntax" {
			return nil, fail(k, "rules: syntax cannot be configured: nginx refuses such a configuration")
		}
		l, err := ParseLevel(lv.Value)
		if err != nil || lv.Kind != yaml.ScalarNode {
			return nil, fail(lv, "rules: %s: want off, info, warning or error", k.Value)
		}
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
