package generator

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/lint"
)

// ConfigKeys are the keys of the generate: section of .xaccel.yaml, each
// the name of a flag with - turned into _.
var ConfigKeys = []string{"backend", "front", "internal_prefix", "files_dir", "download_path", "app", "app_root", "server_name", "out", "template_dir"}

// ApplyConfig fills the options from the generate: section of cf, except
// for the flags the user gave (given reports whether the flag for a key was
// set). out and template_dir are relative to the file's directory.
func ApplyConfig(cf *lint.ConfigFile, o *Options, out *string, given func(flag string) bool) error {
	for _, e := range cf.Generate {
		flag := strings.ReplaceAll(e.Key, "_", "-")
		if !contains(ConfigKeys, e.Key) {
			keys := append([]string(nil), ConfigKeys...)
			sort.Strings(keys)
			return &lint.ConfigError{Path: cf.Path, Line: e.KeyLine, Msg: fmt.Sprintf("generate: unknown key %q (known keys: %s)", e.Key, strings.Join(keys, ", "))}
		}
		if given(flag) {
			continue
		}
		v := e.Value
		if (e.Key == "out" || e.Key == "template_dir") && !filepath.IsAbs(v) {
			v = filepath.Join(filepath.Dir(cf.Path), v)
		}
		switch e.Key {
		case "backend":
			o.Backend = v
		case "front":
			o.Front = v
		case "internal_prefix":
			o.InternalPrefix = v
		case "files_dir":
			o.FilesDir = v
		case "download_path":
			o.DownloadPath = v
		case "app":
			o.App = v
		case "app_root":
			o.AppRoot = v
		case "server_name":
			o.ServerName = v
		case "out":
			*out = v
		case "template_dir":
			o.TemplateDir = v
		}
	}
	return nil
}
