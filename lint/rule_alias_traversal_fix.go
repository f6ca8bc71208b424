package lint

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// fixAliasSlash makes the trailing slashes of a prefix location and its
// alias agree, by adding a "/" to the location name, the alias or both.
// There is no fix when the new name would clash with another location of
// the same level or leave a nested location outside it.
func fixAliasSlash(l *nginx.Location, alias *nginx.Directive, toName, toAlias bool) []Edit {
	d := l.Dir
	if !l.IsPrefix() || len(d.ArgPos) == 0 || len(d.ArgPos) != len(d.RawArgs) || len(alias.ArgPos) != 1 || len(alias.RawArgs) != 1 {
		return nil
	}
	var out []Edit
	if toName {
		if !renameOK(l, l.Match+"/") {
			return nil
		}
		i := len(d.ArgPos) - 1
		off := appendOffset(d.RawArgs[i], d.ArgPos[i].Offset)
		out = append(out, Edit{File: d.Pos.File, Start: off, End: off, Text: "/"})
	}
	if toAlias {
		off := appendOffset(alias.RawArgs[0], alias.ArgPos[0].Offset)
		out = append(out, Edit{File: alias.Pos.File, Start: off, End: off, Text: "/"})
	}
	return out
}

// renameOK reports whether prefix location l can be renamed to name: no
// other prefix location of its level has that name (nginx: "duplicate
// location"), and every nested exact or prefix location still starts with it.
func renameOK(l *nginx.Location, name string) bool {
	siblings := l.Server.Locations
	if l.Parent != nil {
		siblings = l.Parent.Children
	}
	for _, s := range siblings {
		if s != l && s.IsPrefix() && s.Match == name {
			return false
		}
	}
	for _, c := range l.Children {
		if (c.IsPrefix() || c.Modifier == "=") && !strings.HasPrefix(c.Match, name) {
			return false
		}
	}
	return true
}

// appendOffset is where a character appended to an argument written as raw
// at off goes: before the closing quote of a quoted argument, else after it.
func appendOffset(raw string, off int) int {
	if n := len(raw); n >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[n-1] == raw[0] {
		return off + n - 1
	}
	return off + len(raw)
}
