package smoke

import (
	"bufio"
	"fmt"
	"io"
)

// WriteText prints one line per probe,
//
//	FAIL direct GET /media/a.pdf -> 200, 5120 bytes: not-internal: sent the file's bytes (a.pdf): ...
//
// then the notes and a summary line.
func WriteText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, res := range r.Results {
		verdict := "PASS"
		why := res.Reason
		if res.Untested {
			verdict = "UNTESTED"
		} else if !res.Pass {
			verdict = "FAIL"
			why = res.Problem + ": " + res.Reason
		}
		fmt.Fprintf(bw, "%s %s %s -> %s: %s\n", verdict, res.Probe.Name(), res.Probe.Sent(), res.Got(), why)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(bw, "note: %s\n", n)
	}
	untested := ""
	if n := r.Untested(); n > 0 {
		untested = fmt.Sprintf(", %d untested", n)
	}
	fmt.Fprintf(bw, "xaccel smoke: %d probes, %d passed, %d failed%s (%d requests to %s)\n",
		len(r.Results), r.Passed(), r.Failed(), untested, r.Requests, r.Target)
	return bw.Flush()
}
