package lint

import (
	"github.com/xaccel/xaccel/nginx"
)

// fixCaret writes `^~ ` before the name of a plain prefix location.
func fixCaret(l *nginx.Location) []Edit {
	d := l.Dir
	if l.Modifier != "" || len(d.ArgPos) != 1 {
		return nil
	}
	return []Edit{{File: d.Pos.File, Start: d.ArgPos[0].Offset, End: d.ArgPos[0].Offset, Text: "^~ "}}
}
