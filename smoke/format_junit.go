package smoke

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// WriteJUnit prints the report as JUnit XML, which GitLab, Jenkins and most
// CI systems show as test results:
//
//	<testsuites name="xaccel smoke" tests="N" failures="F">
//	  <testsuite name="xaccel smoke TARGET" tests="N" failures="F" errors="0" skipped="U">
//	    <testcase classname="xaccel.smoke.KIND" name="VARIANT METHOD TARGET">
//	      <failure message="PROBLEM: REASON" type="PROBLEM">sent, got, reason</failure>
//	    </testcase>
//	    <system-out>notes</system-out>
//	  </testsuite>
//	</testsuites>
func WriteJUnit(w io.Writer, r *Report) error {
	var b bytes.Buffer
	n, f, sk := strconv.Itoa(len(r.Results)), strconv.Itoa(r.Failed()), strconv.Itoa(r.Untested())
	b.WriteString(xml.Header)
	b.WriteString(`<testsuites name="xaccel smoke" tests="` + n + `" failures="` + f + `" errors="0">` + "\n")
	b.WriteString(`  <testsuite name="` + xmlText("xaccel smoke "+r.Target) + `" tests="` + n + `" failures="` + f + `" errors="0" skipped="` + sk + `">` + "\n")
	for _, res := range r.Results {
		p := res.Probe
		name := p.Name() + " " + p.Sent()
		b.WriteString(`    <testcase classname="` + xmlText("xaccel.smoke."+p.Kind) + `" name="` + xmlText(name) + `">`)
		if res.Pass {
			b.WriteString("</testcase>\n")
			continue
		}
		if res.Untested {
			b.WriteString("\n" + `      <skipped message="` + xmlText(res.Reason) + `"></skipped>` + "\n    </testcase>\n")
			continue
		}
		b.WriteString("\n")
		b.WriteString(`      <failure message="` + xmlText(res.Problem+": "+res.Reason) + `" type="` + xmlText(res.Problem) + `">`)
		b.WriteString(xmlText("sent: " + p.Sent() + "\ngot: " + res.Got() + "\n" + res.Reason))
		b.WriteString("</failure>\n    </testcase>\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("    <system-out>" + xmlText(strings.Join(r.Notes, "\n")) + "</system-out>\n")
	}
	b.WriteString("  </testsuite>\n</testsuites>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// xmlText escapes s for element text and double-quoted attributes;
// characters XML cannot hold become U+FFFD.
func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
	return b.String()
}
