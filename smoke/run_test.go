package smoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/smoke"
)

// startHandler serves h on a free loopback port until the test ends.
func startHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestUnknownBytes: without the file's bytes, a 200 is compared with the
// answer for a name that does not exist. A catch-all page passes; a server
// that has the file and 404s the rest fails.
func TestUnknownBytes(t *testing.T) {
	catchAll := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>single page app</html>"))
	}))
	leaky := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/media/a.pdf" {
			w.Write([]byte("%PDF the file"))
			return
		}
		http.NotFound(w, r)
	}))
	redirecting := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid/login", http.StatusFound)
	}))
	for _, tc := range []struct {
		name, target string
		failed       []string // sent requests of the failed probes
	}{
		{"catch-all", catchAll, nil},
		// Go's server decodes %6D and %2F as nginx does.
		{"leaky", leaky, []string{"GET /media/a.pdf", "HEAD /media/a.pdf", "GET /media/a.pdf (Range: bytes=0-15)", "GET /%6Dedia/a.pdf", "GET /media%2Fa.pdf"}},
		{"redirecting", redirecting, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := runSmoke(t, smoke.Options{Target: tc.target, Prefixes: []string{"/media/"}, Samples: []string{"a.pdf"}})
			var failed []string
			for _, r := range rep.Results {
				if !r.Pass {
					failed = append(failed, r.Probe.Sent())
					if r.Problem != smoke.ProblemExposed || !strings.Contains(r.Reason, "xaccel-absent-") || !strings.Contains(r.Reason, ") gets 404") {
						t.Errorf("%s: %s: %s", r.Probe.Sent(), r.Problem, r.Reason)
					}
				}
			}
			var text bytes.Buffer
			smoke.WriteText(&text, rep)
			if strings.Join(failed, "|") != strings.Join(tc.failed, "|") {
				t.Errorf("failed %q, want %q\n%s", failed, tc.failed, text.String())
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = smoke.Run(context.Background(), smoke.Options{Target: "http://" + addr, Prefixes: []string{"/media/"}, Timeout: 5 * time.Second})
	var ue *smoke.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v, want an UnreachableError", err)
	}
}

// TestMaxRequests: a plan larger than the bound is refused before anything
// is sent.
func TestMaxRequests(t *testing.T) {
	var sent atomic.Int32
	target := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent.Add(1) }))
	_, err := smoke.Run(context.Background(), smoke.Options{Target: target, Prefixes: []string{"/media/"}, Samples: []string{"a"}, MaxRequests: 5})
	var ue *smoke.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "more than --max-requests 5") || sent.Load() != 0 {
		t.Errorf("error %v after %d requests; want a refusal before any request", err, sent.Load())
	}
}

// TestFormats: the JSON parses and counts right; the JUnit XML parses and
// has one testcase per probe with a failure element for each failed one.
func TestFormats(t *testing.T) {
	target := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/download/1" {
			w.Header().Set("Content-Disposition", `attachment; filename="a & b.txt"`)
			w.Write([]byte("file <body>"))
			return
		}
		http.NotFound(w, r)
	}))
	rep := runSmoke(t, smoke.Options{Target: target, Prefixes: []string{"/media/"}, Via: []string{"/download/1"}})
	var js bytes.Buffer
	if err := smoke.WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Version int
		Probes  []struct {
			Kind, Variant, Problem string
			Pass                   bool
		}
		Summary struct{ Probes, Passed, Failed, Requests int }
	}
	if err := json.Unmarshal(js.Bytes(), &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.Version != 1 || parsed.Summary.Failed != 2 || parsed.Summary.Probes != len(rep.Results) || parsed.Summary.Probes != parsed.Summary.Passed+parsed.Summary.Failed {
		t.Errorf("summary %+v\n%s", parsed.Summary, js.String())
	}
	var ju bytes.Buffer
	if err := smoke.WriteJUnit(&ju, rep); err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Class   string `xml:"classname,attr"`
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(ju.Bytes(), &suites); err != nil {
		t.Fatalf("%v\n%s", err, ju.String())
	}
	if len(suites.Suites) != 1 || len(suites.Suites[0].Cases) != len(rep.Results) || suites.Suites[0].Failures != 2 {
		t.Fatalf("junit:\n%s", ju.String())
	}
	var types []string
	for _, c := range suites.Suites[0].Cases {
		if c.Failure != nil {
			types = append(types, c.Class+" "+c.Failure.Type)
		}
	}
	if strings.Join(types, ",") != "xaccel.smoke.via nosniff-missing,xaccel.smoke.via cache-not-private" {
		t.Errorf("failures %q", types)
	}
	var text bytes.Buffer
	smoke.WriteText(&text, rep)
	if !strings.Contains(text.String(), "FAIL via/nosniff GET /download/1 -> 200, 11 bytes: nosniff-missing: ") {
		t.Errorf("text:\n%s", text.String())
	}
}

// TestNotHTTP: a target that never answers, or answers with something
// other than HTTP, cannot be tested: an UnreachableError (exit 2) that
// names the whole URL, not a list of failed probes.
func TestNotHTTP(t *testing.T) {
	t.Parallel() // waits for a timeout
	silent := realnginx.ServeRaw(t, func(c net.Conn) {
		time.Sleep(3 * time.Second)
		c.Close()
	})
	banner := realnginx.ServeRaw(t, func(c net.Conn) {
		c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
		c.Close()
	})
	for name, tc := range map[string]struct{ addr, says string }{
		"silent": {silent, "did not answer within --timeout"},
		"banner": {banner, "does not answer with HTTP"},
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := smoke.Run(context.Background(), smoke.Options{Target: "http://" + tc.addr, Prefixes: []string{"/media/"}, Samples: []string{"a.pdf"}, Timeout: 250 * time.Millisecond})
			var ue *smoke.UnreachableError
			if !errors.As(err, &ue) || rep != nil {
				t.Fatalf("error %v (report %v), want an UnreachableError", err, rep)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.says) || !strings.Contains(msg, "http://"+tc.addr+"/media/") {
				t.Errorf("message %q: want %q and the whole URL", msg, tc.says)
			}
		})
	}
}

// TestMaxTime: --max-time ends a run that takes too long with a
// MaxTimeError, never with a report of what happened to pass.
func TestMaxTime(t *testing.T) {
	t.Parallel() // waits for a slow handler
	target := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		http.NotFound(w, r)
	}))
	start := time.Now()
	rep, err := smoke.Run(context.Background(), smoke.Options{Target: target, Prefixes: []string{"/media/"}, Samples: []string{"a.pdf"}, MaxTime: 400 * time.Millisecond})
	var me *smoke.MaxTimeError
	if !errors.As(err, &me) || rep != nil {
		t.Fatalf("error %v (report %v), want a MaxTimeError", err, rep)
	}
	if me.Sent == 0 || time.Since(start) > 5*time.Second {
		t.Errorf("stopped after %v with %d requests sent", time.Since(start), me.Sent)
	}
}

// TestTargetWithoutScheme: host:port gets a message that says what to
// write.
func TestTargetWithoutScheme(t *testing.T) {
	for _, target := range []string{"127.0.0.1:8080", "localhost:8080", "files.example.com"} {
		_, err := smoke.Run(context.Background(), smoke.Options{Target: target, Prefixes: []string{"/media/"}})
		if err == nil || !strings.Contains(err.Error(), "write http://"+target) {
			t.Errorf("--target %s: %v", target, err)
		}
	}
}
