package generator

import (
	"bytes"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/xaccel/xaccel/templates"
)

// File is one rendered output file.
type File struct {
	Path     string // slash-separated, relative to the output directory
	Template string // the template it came from: "nginx/xaccel.conf.tmpl"
	Content  []byte
}

// Plan lists the templates a setup is made of, in output order: the
// front server's files, the backend's files, the check script and its CI
// workflow (when d.Check), then NEXT-STEPS.md. Each
// entry maps a template name to its output path.
func Plan(d *Data) ([][2]string, error) {
	var plan [][2]string
	switch d.Front {
	case "nginx":
		plan = append(plan,
			[2]string{"nginx/xaccel.conf.tmpl", "nginx/xaccel.conf"},
			[2]string{"nginx/snippet.conf.tmpl", "nginx/snippet.conf"})
	case "caddy":
		plan = append(plan, [2]string{"servers/caddy/Caddyfile.tmpl", "caddy/Caddyfile"})
	case "apache":
		plan = append(plan, [2]string{"servers/apache/xaccel.conf.tmpl", "apache/xaccel.conf"})
	}
	dir := "backends/" + d.Backend.Name
	var names []string
	err := fs.WalkDir(templates.FS, dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && strings.HasSuffix(p, ".tmpl") && !partial(p) {
			names = append(names, p)
		}
		return nil
	})
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no templates for backend %s: %v", d.Backend.Name, err)
	}
	sort.Strings(names)
	for _, n := range names {
		out := d.Backend.Name + "/" + strings.TrimSuffix(strings.TrimPrefix(n, dir+"/"), ".tmpl")
		plan = append(plan, [2]string{n, out})
	}
	if d.Check {
		plan = append(plan,
			[2]string{"docs/xaccel-check.sh.tmpl", "xaccel-check.sh"},
			[2]string{"docs/xaccel.yml.tmpl", ".github/workflows/xaccel.yml"})
	}
	plan = append(plan, [2]string{"docs/NEXT-STEPS.md.tmpl", "NEXT-STEPS.md"})
	return plan, nil
}

// partial templates (a base name starting with "_") hold {{define}}s used
// by other templates and are not written out. A double underscore is a
// file like Python's __init__.py, not a partial.
func partial(p string) bool {
	b := path.Base(p)
	return strings.HasPrefix(b, "_") && !strings.HasPrefix(b, "__")
}

// TemplateNames lists every built-in template, for --template-dir users.
func TemplateNames() []string {
	var names []string
	fs.WalkDir(templates.FS, ".", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".tmpl") {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// Render renders the plan for d. A file in templateDir with the same
// relative name as a built-in template replaces it; a file there that
// matches no built-in template is an error, so a typo is not silently
// ignored.
func Render(d *Data, templateDir string) ([]File, error) {
	plan, err := Plan(d)
	if err != nil {
		return nil, err
	}
	set, err := parseTemplates(templateDir)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, p := range plan {
		var buf bytes.Buffer
		if err := set.ExecuteTemplate(&buf, p[0], d); err != nil {
			return nil, fmt.Errorf("rendering %s: %v", p[0], err)
		}
		content := buf.Bytes()
		if strings.HasSuffix(p[1], ".go") {
			// gofmt the Go output, so the template need not align fields
			// for every combination of options.
			if content, err = format.Source(content); err != nil {
				return nil, fmt.Errorf("rendering %s: the result is not valid Go: %v", p[0], err)
			}
		}
		files = append(files, File{Path: p[1], Template: p[0], Content: content})
	}
	return files, nil
}

func parseTemplates(templateDir string) (*template.Template, error) {
	set := template.New("").Option("missingkey=error").Funcs(funcs)
	set.Funcs(template.FuncMap{
		// include renders a {{define}}d template into a string, for indent.
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := set.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
	})
	names := TemplateNames()
	builtin := map[string]bool{}
	for _, name := range names {
		builtin[name] = true
	}
	overrides := map[string]string{}
	if templateDir != "" {
		st, err := os.Stat(templateDir)
		if err != nil || !st.IsDir() {
			return nil, usage("--template-dir %s: not a readable directory", templateDir)
		}
		err = filepath.WalkDir(templateDir, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(templateDir, p)
			rel = filepath.ToSlash(rel)
			if !builtin[rel] {
				return usage("--template-dir: %s matches no built-in template (xaccel generate --list-templates shows their names)", filepath.Join(templateDir, rel))
			}
			overrides[rel] = p
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, name := range names {
		var src []byte
		var err error
		if p, ok := overrides[name]; ok {
			src, err = os.ReadFile(p)
		} else {
			src, err = fs.ReadFile(templates.FS, name)
		}
		if err != nil {
			return nil, err
		}
		if _, err := set.New(name).Parse(string(src)); err != nil {
			where := "built-in template"
			if p, ok := overrides[name]; ok {
				where = p
			}
			return nil, usage("%s (%s): %v", name, where, err)
		}
	}
	return set, nil
}

// funcs are the few helpers templates may call.
var funcs = template.FuncMap{
	// q writes s as a double-quoted string literal, valid in Go, Python,
	// JavaScript, PHP (no $ can occur: inputs are checked), Ruby, Java
	// and C#.
	"q": func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	},
	// pctSlash percent-encodes the slashes of a path ("/a/" -> "%2Fa%2F"),
	// as PHP's rawurlencode of a whole path does.
	"pctSlash": func(s string) string { return strings.ReplaceAll(s, "/", "%2F") },
	// indent prefixes every non-empty line with n spaces.
	"indent": func(n int, s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) != "" {
				lines[i] = strings.Repeat(" ", n) + l
			}
		}
		return strings.Join(lines, "\n")
	},
}
