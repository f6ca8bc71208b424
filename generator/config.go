package generator

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/lint"
)

// configFields maps each key of the generate: section of .xaccel.yaml (the
// name of a flag with - turned into _) to the setting it fills.
func configFields(o *Options, out *string) map[string]*string {
	return map[string]*string{
		"backend":         &o.Backend,
		"front":           &o.Front,
		"internal_prefix": &o.InternalPrefix,
		"files_dir":       &o.FilesDir,
		"download_path":   &o.DownloadPath,
		"app":             &o.App,
		"app_root":        &o.AppRoot,
		"server_name":     &o.ServerName,
		"out":             out,
		"template_dir":    &o.TemplateDir,
	}
}

// ApplyConfig fills the options from the generate: section of cf, except
// for the flags the user gave (given reports whether the flag for a key was
// set). out and template_dir are relative to the file's directory.
func ApplyConfig(cf *lint.ConfigFile, o *Options, out *string, given func(flag string) bool) error {
	fields := configFields(o, out)
	for _, e := range cf.Generate {
		field, ok := fields[e.Key]
		if !ok {
			var keys []string
			for k := range fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return &lint.ConfigError{Path: cf.Path, Line: e.KeyLine, Msg: fmt.Sprintf("generate: unknown key %q (known keys: %s)", e.Key, strings.Join(keys, ", "))}
		}
		if given(strings.ReplaceAll(e.Key, "_", "-")) {
			continue
		}
		v := e.Value
		if slices.Contains([]string{"out", "template_dir"}, e.Key) && !filepath.IsAbs(v) {
			v = filepath.Join(filepath.Dir(cf.Path), v)
		}
		*field = v
	}
	return nil
}
