package lint

import (
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteGitHub prints one GitHub Actions workflow command per finding,
//
//	::error file=F,line=L,col=C,endLine=E,endColumn=EC,title=xaccel: RULE::message
//
// with ::warning for warnings and ::notice for info, so that the runner
// shows each finding as an annotation on the file. Values are escaped the
// way GitHub's actions toolkit escapes them. GitHub takes columns only for
// a region on one line (endColumn inclusive), so a statement head that
// spans lines is annotated by lines alone.
func WriteGitHub(w io.Writer, r *Report) error {
	r = r.displayed() // see paths.go
	var b bytes.Buffer
	for _, f := range r.Findings {
		cmd := "notice"
		switch f.Severity {
		case Error:
			cmd = "error"
		case Warning:
			cmd = "warning"
		}
		b.WriteString("::" + cmd + " ")
		b.WriteString("file=" + escapeGitHubProperty(filepath.ToSlash(f.Pos.File)))
		b.WriteString(",line=" + strconv.Itoa(f.Pos.Line))
		end := f.End
		if end.Line < f.Pos.Line || end.Line == f.Pos.Line && end.Column < f.Pos.Column {
			end = f.Pos
		}
		if end.Line == f.Pos.Line {
			b.WriteString(",col=" + strconv.Itoa(f.Pos.Column))
			b.WriteString(",endLine=" + strconv.Itoa(end.Line))
			b.WriteString(",endColumn=" + strconv.Itoa(end.Column))
		} else {
			b.WriteString(",endLine=" + strconv.Itoa(end.Line))
		}
		b.WriteString(",title=" + escapeGitHubProperty("xaccel: "+f.Rule))
		b.WriteString("::" + escapeGitHubData(f.Message) + "\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// escapeGitHubData escapes a workflow command's message as the actions
// toolkit does: %, CR and LF.
func escapeGitHubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeGitHubProperty escapes a workflow command's property value: as the
// message, plus ':' and ',', which separate properties.
func escapeGitHubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
