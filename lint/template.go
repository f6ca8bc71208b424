package lint

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// A repository often keeps its nginx configuration as a template that
// something renders before nginx reads it: the official nginx image runs
// envsubst on /etc/nginx/templates/*.template (20-envsubst-on-templates.sh),
// Ansible and Salt render Jinja, Chef and Puppet render ERB, gomplate and
// consul-template render Go templates. lint substitutes envsubst's
// variables itself (LintOptions.Env) and refuses the other languages'
// markup with a syntax finding that says how to render the file first.

// ParseEnv reads NAME=VALUE assignments (--env) into env, over what it
// holds. A name is a shell variable name; a value may be empty but must
// not hold a line break: findings keep the template's lines.
func ParseEnv(env map[string]string, assignments []string) error {
	for _, a := range assignments {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("--env %q: want NAME=VALUE (an empty value is NAME=)", a)
		}
		if err := checkEnv(name, value); err != nil {
			return fmt.Errorf("--env %s: %v", name, err)
		}
		env[name] = value
	}
	return nil
}

// ReadEnvFile reads a file of NAME=VALUE lines (--env-file, env_file:)
// into env, over what it holds: blank lines and lines starting with # are
// skipped, a leading "export " is allowed, and a value in matching single
// or double quotes loses them (as docker compose reads a .env file). Each
// error names the file and line.
func ReadEnvFile(env map[string]string, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("env file: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: want NAME=VALUE, # comments and blank lines", path, n)
		}
		name = strings.TrimSpace(name)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		if err := checkEnv(name, value); err != nil {
			return fmt.Errorf("%s:%d: %s: %v", path, n, name, err)
		}
		env[name] = value
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func checkEnv(name, value string) error {
	if !envName(name) {
		return fmt.Errorf("%q is not a variable name (letters, digits and _, not starting with a digit)", name)
	}
	if strings.ContainsAny(value, "\n\r") {
		return fmt.Errorf("the value holds a line break; xaccel keeps every finding on its template line, so a value must be one line (render such a template with its own tool and lint the output)")
	}
	return nil
}

func envName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !identByte(s[i]) {
			return false
		}
	}
	return true
}

func identByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Substitute replaces $NAME and ${NAME} by env[NAME] for the names env
// defines, and leaves every other $ as it is: envsubst given the list of
// defined names, as the official nginx image runs it, so that nginx's own
// $host and $uri stay. It reports whether anything was replaced.
func Substitute(src []byte, env map[string]string) ([]byte, bool) {
	if len(env) == 0 || bytes.IndexByte(src, '$') < 0 {
		return src, false
	}
	out := make([]byte, 0, len(src))
	replaced := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '$' || i+1 == len(src) {
			out = append(out, c)
			continue
		}
		start, braced := i+1, src[i+1] == '{'
		if braced {
			start++
		}
		j := start
		if j < len(src) && identByte(src[j]) && !(src[j] >= '0' && src[j] <= '9') {
			for j < len(src) && identByte(src[j]) {
				j++
			}
		}
		name := string(src[start:j])
		value, defined := env[name]
		if name == "" || !defined || braced && (j == len(src) || src[j] != '}') {
			out = append(out, c)
			continue
		}
		out = append(out, value...)
		replaced = true
		if braced {
			j++ // the }
		}
		i = j - 1
	}
	return out, replaced
}

// maxRenderRounds bounds the loads of a configuration whose rendered
// includes name further files to render (an include path with a variable).
const maxRenderRounds = 16

// load reads a configuration as lint does: includes may be missing, files
// are rendered with o.Env (every file of the configuration, the included
// ones as well, through nginx.LoadOptions.Overlay), and the markup of
// template languages is a syntax error.
func (o LintOptions) load(p string) (*nginx.Config, error) {
	lo := o.loadOptions(o.Prefix)
	src, err := nginx.ReadInput(p, lo)
	if err != nil {
		return nil, err
	}
	var cfg *nginx.Config
	if len(o.Env) == 0 {
		cfg = nginx.LoadBytes(p, src, lo)
	} else {
		cfg = renderLoad(p, src, lo, o.Env)
	}
	checkTemplateMarkup(cfg)
	return cfg, nil
}

// renderLoad loads a configuration with every file rendered with env.
func renderLoad(p string, src []byte, lo nginx.LoadOptions, env map[string]string) *nginx.Config {
	src, _ = Substitute(src, env) // the main file, or a whole nginx -T dump
	cfg := nginx.LoadBytes(p, src, lo)
	if cfg.Kind == nginx.KindDump {
		return cfg
	}
	overlay := map[string][]byte{}
	done := map[string]bool{}
	for round := 0; round < maxRenderRounds; round++ {
		changed := false
		for i, f := range cfg.Files {
			if i == 0 || f.Stock || done[f.Path] {
				continue
			}
			done[f.Path] = true
			if out, ok := Substitute(f.Src, env); ok {
				overlay[f.Path] = out
				changed = true
			}
		}
		if !changed {
			break
		}
		lo.Overlay = overlay
		cfg = nginx.LoadBytes(p, src, lo)
	}
	return cfg
}

// templateLang is a template language whose markup can be left in a
// configuration that was not rendered.
type templateLang struct {
	name   string // as messages name it
	render string // how to render a file, for the message
}

var (
	langJinja = templateLang{"Jinja", "with the tool that owns it (an Ansible `template` task, Salt, or `j2 FILE VARS > nginx.conf`)"}
	langGo    = templateLang{"Go template", "with the tool that owns it (`gomplate -f FILE -o nginx.conf`, consul-template, confd, `helm template`)"}
	langERB   = templateLang{"ERB", "with the tool that owns it (the Chef or Puppet run that writes it, or `erb -T - FILE > nginx.conf` with the variables it needs)"}
)

// markup is the first template markup found in a file.
type markup struct {
	pos   nginx.Pos
	text  string // the tag, cut to a readable length
	lang  templateLang
	lines int // how many lines hold markup
}

// checkTemplateMarkup records the markup of a template language left in a
// file as a syntax error: nginx refuses such a file (a `{` opens a block,
// `<%` is an unknown directive), and what xaccel would read is not what
// the rendered file says. An error the scanner found in the same file on
// the markup's line or after it is its consequence and is dropped.
func checkTemplateMarkup(cfg *nginx.Config) {
	opaque := map[string][][2]int{}
	cfg.Root.Walk(func(d *nginx.Directive) bool {
		if d.Opaque {
			opaque[d.Pos.File] = append(opaque[d.Pos.File], [2]int{d.End.Offset, d.BlockEnd.Offset})
			return false
		}
		return true
	})
	found := map[string]*markup{}
	for _, f := range cfg.Files {
		if f.Stock || found[f.Path] != nil {
			continue
		}
		if m := findMarkup(f.Path, f.Src, opaque[f.Path]); m != nil {
			found[f.Path] = m
		}
	}
	if len(found) == 0 {
		return
	}
	errs := cfg.Errors[:0]
	for _, e := range cfg.Errors {
		if m := found[e.Pos.File]; m == nil || e.Pos.Line < m.pos.Line {
			errs = append(errs, e)
		}
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := found[n]
		more := ""
		if m.lines > 1 {
			more = fmt.Sprintf(" (and on %d more %s)", m.lines-1, plural(m.lines-1, "line"))
		}
		how := "render it first " + m.lang.render + " and lint the output"
		if filepath.Ext(n) == ".template" {
			how += "; a *.template of the official nginx image only takes ${VARIABLES}, which --env NAME=VALUE substitutes"
		} else {
			how += " (for envsubst's ${VARIABLES} alone, --env NAME=VALUE substitutes them here)"
		}
		errs = append(errs, &nginx.SyntaxError{Pos: m.pos, Msg: fmt.Sprintf(
			"unrendered %s markup `%s`%s: this is a template, not the configuration nginx reads, so xaccel checked nothing else; %s",
			m.lang.name, m.text, more, how)})
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Offset < b.Offset
	})
	cfg.Errors = errs
}

// findMarkup looks for template tags outside comments and outside the
// skip ranges (Lua blocks): {{ }}, {% %} and {# #} (Jinja, Go templates)
// and <% %> (ERB), each opened and closed on one line. Quoted strings are
// searched too: server_name "{{ domain }}" is as unrendered as without
// the quotes.
func findMarkup(name string, src []byte, skip [][2]int) *markup {
	if !bytes.Contains(src, []byte("{{")) && !bytes.Contains(src, []byte("{%")) &&
		!bytes.Contains(src, []byte("{#")) && !bytes.Contains(src, []byte("<%")) {
		return nil // no opener anywhere: the common case, without the walk below
	}
	var m *markup
	line, lineStart := 1, 0
	lastLine := 0
	var quote byte
	tokenStart := true // at the start of a token: a # opens a comment
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\n' {
			line, lineStart = line+1, i+1
			tokenStart = true
			continue
		}
		if s := inRanges(i, skip); s > i {
			i = s - 1
			continue
		}
		if quote == 0 && tokenStart && c == '#' {
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
			continue
		}
		if tag, lang, ok := tagAt(src, i); ok {
			if m == nil {
				m = &markup{pos: nginx.Pos{File: name, Line: line, Column: i - lineStart + 1, Offset: i}, text: tag, lang: lang}
			}
			if line != lastLine {
				m.lines++
				lastLine = line
			}
			i += len(tag) - 1
			tokenStart = false
			continue
		}
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			tokenStart = false
		case c == '"' || c == '\'':
			if tokenStart {
				quote = c
			}
			tokenStart = false
		case c == ' ' || c == '\t' || c == '\r' || c == ';' || c == '{' || c == '}':
			tokenStart = true
		default:
			tokenStart = false
		}
	}
	return m
}

// inRanges returns the end of the range holding offset i, or 0.
func inRanges(i int, rs [][2]int) int {
	for _, r := range rs {
		if i > r[0] && i < r[1] {
			return r[1]
		}
	}
	return 0
}

// tagAt reports a template tag opening at src[i] and closed on the same
// line, and the language it belongs to.
func tagAt(src []byte, i int) (string, templateLang, bool) {
	if i+1 >= len(src) || (src[i] != '{' && src[i] != '<') {
		return "", templateLang{}, false
	}
	var closer string
	var lang templateLang
	switch string(src[i : i+2]) {
	case "{{":
		closer, lang = "}}", langJinja
	case "{%":
		closer, lang = "%}", langJinja
	case "{#":
		closer, lang = "#}", langJinja
	case "<%":
		closer, lang = "%>", langERB
	default:
		return "", templateLang{}, false
	}
	end := bytes.IndexByte(src[i:], '\n')
	if end < 0 {
		end = len(src) - i
	}
	rest := src[i+2 : i+end]
	j := bytes.Index(rest, []byte(closer))
	if j < 0 {
		return "", templateLang{}, false
	}
	inner := strings.TrimSpace(strings.Trim(string(rest[:j]), "-=~+ "))
	if closer == "}}" && goTemplate(inner) {
		lang = langGo
	}
	tag := string(src[i : i+2+j+len(closer)])
	if len(tag) > 60 {
		tag = tag[:28] + "…" + tag[len(tag)-28:]
	}
	return tag, lang, true
}

// goTemplate reports whether the inside of a {{ }} tag reads as a Go
// template (gomplate, consul-template, confd, Helm) rather than Jinja.
func goTemplate(inner string) bool {
	if strings.HasPrefix(inner, ".") || strings.HasPrefix(inner, "$") {
		return true
	}
	word, _, _ := strings.Cut(inner, " ")
	switch word {
	case "getenv", "env", "ds", "datasource", "key", "keyOrDefault", "service", "range", "with", "template", "tpl", "include", "end", "index", "printf", "file.Read", "env.Getenv":
		return true
	}
	return strings.HasPrefix(word, "env.") || strings.HasPrefix(word, "strings.") || strings.HasPrefix(word, "getv")
}
