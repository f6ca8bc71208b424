package nginx

import "strings"

// Added is what the add_header (or add_trailer) directives give a block,
// after nginx's inheritance between levels.
type Added struct {
	// Lines are the directives nginx applies, in the order it sends them.
	Lines []*Directive
	// Mode is the add_header_inherit (add_trailer_inherit) in effect at
	// the block: "on" (the default: a level with lines of its own inherits
	// none), "off" (inherit none) or "merge" (its own lines, then the
	// inherited ones).
	Mode string
	// ModeDir is the directive that sets Mode; nil for the default.
	ModeDir *Directive
}

// AddedHeaders returns the name ("add_header" or "add_trailer") lines that
// apply at the innermost of levels (innermost first, as Location.Levels).
//
// nginx merges them level by level from the outside in
// (ngx_http_headers_merge_conf), following add_header_inherit and
// add_trailer_inherit (nginx 1.29.3), which is inherited too: with "on" a
// level with lines of its own keeps only those, with "merge" its own lines
// come first and the outer level's after them, with "off" it keeps its own
// and nothing else, even when it has none. Checked against nginx 1.29.8
// built from its source; nginx 1.22 knows only "on".
func AddedHeaders(levels []*Directive, name string) Added {
	a := Added{Mode: "on"}
	for i := len(levels) - 1; i >= 0; i-- {
		lv := levels[i]
		if d := lv.First(name + "_inherit"); d != nil {
			if m := strings.ToLower(d.Arg(0)); m == "on" || m == "off" || m == "merge" {
				a.Mode, a.ModeDir = m, d
			}
		}
		own := lv.Find(name)
		switch {
		case a.Mode == "off":
			a.Lines = own
		case len(own) == 0:
		case a.Mode == "merge":
			a.Lines = append(append([]*Directive(nil), own...), a.Lines...)
		default:
			a.Lines = own
		}
	}
	return a
}
