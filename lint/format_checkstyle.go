package lint

import (
	"bytes"
	"encoding/xml"
	"io"
	"sort"
	"strconv"
)

// WriteCheckstyle prints the report in Checkstyle's XML format, which many
// CI systems and code review tools read:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<checkstyle version="4.3">
//	  <file name="F">
//	    <error line="L" column="C" severity="error" message="..." source="xaccel.RULE"/>
//	  </file>
//	</checkstyle>
//
// One <file> per file with findings, sorted by name; files without a
// finding are not listed (Checkstyle lists every file it checked, but the
// readers of this format only need the findings).
func WriteCheckstyle(w io.Writer, r *Report) error {
	r = r.displayed() // see paths.go
	byFile := map[string][]Finding{}
	var files []string
	for _, f := range r.Findings {
		if _, ok := byFile[f.Pos.File]; !ok {
			files = append(files, f.Pos.File)
		}
		byFile[f.Pos.File] = append(byFile[f.Pos.File], f)
	}
	sort.Strings(files)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<checkstyle version=\"4.3\">\n")
	for _, name := range files {
		b.WriteString("  <file name=\"" + xmlAttr(name) + "\">\n")
		for _, f := range byFile[name] {
			b.WriteString("    <error line=\"" + strconv.Itoa(f.Pos.Line) + "\" column=\"" + strconv.Itoa(f.Pos.Column) +
				"\" severity=\"" + f.Severity.String() + "\" message=\"" + xmlAttr(f.Message) +
				"\" source=\"" + xmlAttr("xaccel."+f.Rule) + "\"/>\n")
		}
		b.WriteString("  </file>\n")
	}
	b.WriteString("</checkstyle>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// xmlAttr escapes s for a double-quoted attribute value (newlines and tabs
// too, so they survive attribute normalisation); characters XML cannot
// hold become U+FFFD.
func xmlAttr(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
	return b.String()
}
