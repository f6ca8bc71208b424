//go:build unix

package proxy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// This file holds a seeded random differential test (its generator is in
// random_gen_test.go, the access part in random_access_test.go): from each
// seed it generates one server block (locations of every kind, nested ones, with
// alias, root, try_files, index, autoindex, internal, return, rewrite and
// proxy_pass to the scripted app, which answers X-Accel-Redirect when the
// query asks), a file tree, and a few dozen requests (traversals, encoded
// characters, slash variants, existing and missing files), and compares
// serve's answers with real nginx's. An access part, drawn from a random
// stream of its own, adds allow and deny, auth_basic with user files of
// every password scheme, satisfy, limit_except, if blocks of rewrite
// directives, error_page for 401 and 403 and locations made for them, and
// gives requests Authorization headers (right, wrong and malformed), other
// methods and X-Accel-Redirect answers into those locations. A variables
// part (random_vars_test.go), from a third stream, adds map blocks before
// the server, set, if on files and regexes, secure_link, valid_referers,
// add_header, expires and types at every level, locations of its own
// under /v/, and requests with Host, Referer, secure links and the app's
// headers on X-Accel-Redirect answers. A proxy part (random_proxy_test.go),
// from a fourth stream, adds locations under /px/ that proxy to an echo
// app (ECHOAPP, echoBackend): proxy_pass with and without a URI part in
// every kind of location, proxy_set_header at several levels, the
// client's header lines, proxy_redirect and the app's redirects, errors,
// 1xx answers and X-Accel-Redirect into internal locations.
//
// XACCEL_SERVE_SEEDS=N runs seeds 1..N (default 10); XACCEL_SERVE_SEED=K
// runs seed K alone, to reproduce a failure, and with XACCEL_SERVE_SEEDS=N
// the seeds K..K+N-1.

// randFileMarker finds the FILE markers of randFiles in a body.
var randFileMarker = regexp.MustCompile(`FILE [^\n(]+`)

// randPermissive says how serve's answer is more permissive than nginx's:
// a file nginx does not send, an index listing, an app's answer, or a
// success where nginx fails.
func randPermissive(want, got *realnginx.Response) []string {
	var why []string
	for _, m := range randFileMarker.FindAllString(string(got.Body), -1) {
		if !strings.Contains(string(want.Body), m) {
			why = append(why, "serve sends the content of "+strings.TrimSpace(strings.TrimPrefix(m, "FILE ")))
		}
	}
	if strings.Contains(string(got.Body), "<title>Index of") && !strings.Contains(string(want.Body), "<title>Index of") {
		why = append(why, "serve sends an index listing")
	}
	if strings.HasPrefix(string(got.Body), "app ") && !strings.HasPrefix(string(want.Body), "app ") {
		why = append(why, "serve sends the app's answer")
	}
	if got.Status/100 == 2 && want.Status/100 != 2 {
		why = append(why, fmt.Sprintf("serve answers %d where nginx answers %d", got.Status, want.Status))
	}
	return why
}

// logStamp is the date, pid and connection number of an error log line.
var logStamp = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d |\d+#\d+: \*\d+ |, client: 127\.0\.0\.1, server: |, host: "localhost"`)

// randStartEmulator is startEmulator that reports a config serve refuses
// instead of failing the test; serve reads it from confDir under the
// prefix ("" for the prefix itself).
func randStartEmulator(t *testing.T, conf, prefix, confDir string) (string, []Warning, error) {
	t.Helper()
	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", prefix).Replace(conf)
	dir := filepath.Join(prefix, confDir)
	cfg := nginx.LoadBytes(filepath.Join(dir, "emulated.conf"), []byte(src), nginx.LoadOptions{Prefix: dir})
	if len(cfg.Errors) > 0 {
		return "", nil, fmt.Errorf("config: %v", cfg.Errors[0])
	}
	h, warns, err := New(cfg, Options{ConfPrefix: prefix}) // nginx's -p
	if err != nil {
		return "", warns, err
	}
	return serveHandler(t, h), warns, nil
}

// showResponse is r's status, Location and body (clipped), with the
// prefix directory written {{PREFIX}}.
func showResponse(r *realnginx.Response, err error, prefix string) string {
	if err != nil {
		return "error: " + err.Error()
	}
	body := strings.ReplaceAll(string(r.Body), prefix, "{{PREFIX}}")
	if len(body) > 400 {
		body = body[:400] + "..."
	}
	loc := ""
	if l := r.Header.Get("Location"); l != "" {
		loc = " Location: " + normalize(l)
	}
	return fmt.Sprintf("%d%s %q", r.Status, loc, body)
}

// portOf writes the port of r's Location PORT when it is port.
func portOf(r *realnginx.Response, port string) {
	if r == nil {
		return
	}
	if l := r.Header.Get("Location"); l != "" {
		r.Header.Set("Location", strings.Replace(l, ":"+port+"/", ":PORT/", 1))
	}
}

// randStats counts, over all seeds, what the test did.
type randStats struct {
	sync.Mutex
	seeds, refusedNginx, refusedServe, warned, requests, mismatches, permissive int
}

// add runs f with s locked.
func (s *randStats) add(f func(s *randStats)) {
	s.Lock()
	defer s.Unlock()
	f(s)
}

// TestServeRandomAgainstNginx generates, from each seed, a server with
// 4 to 10 locations of every kind (prefix, ^~, =, regex with and without
// captures, nested, named) and random handlers (alias with or without the
// location's trailing slash, root, try_files, index, autoindex, internal,
// return, rewrite with each flag, proxy_pass to the scripted app, which
// answers X-Accel-Redirect, a status or a header when the query asks;
// error_page, disable_symlinks, merge_slashes and a server without root
// now and then), then 30 to 60 requests (paths under each location with
// .., %2e%2e, %2f, //, slash variants, encoded characters, existing and
// missing files, symlinks, the secret file through traversal; GET, HEAD,
// POST, sometimes PUT, DELETE or OPTIONS or a Range), and compares serve's
// answers with real nginx's: status, body and headers (diffResponses).
// The access part (see accessLocs) adds allow, deny, auth_basic, satisfy,
// limit_except, if blocks and error_page for 401 and 403 at the server
// level, in the locations and in locations of their own (/acc/, /acc/in/,
// = /acc-x, /pacc/, @acc, /errs/), and a dozen or two requests for those
// with and without Authorization, X-Accel-Redirect into them included.
// An answer of serve that is more permissive than nginx's (a file, a
// listing or the app's answer nginx does not send, a 2xx where nginx
// fails) is marked MORE PERMISSIVE and listed first. Each failing seed
// prints its config, the requests that differ, both answers and what
// nginx logged for them; XACCEL_SERVE_SEED reruns it alone.
func TestServeRandomAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	runRandomSeeds(t, "XACCEL_SERVE", runRandomSeed)
}

// runRandomSeeds runs seeds in parallel subtests, ten from 1 unless
// env+"_SEEDS" (how many) and env+"_SEED" (the first, alone when the
// other is not set) say otherwise, and logs the counts.
func runRandomSeeds(t *testing.T, env string, run func(t *testing.T, seed uint64, stats *randStats)) {
	first, count := uint64(1), 10
	if s := os.Getenv(env + "_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s_SEEDS=%q: want a positive number", env, s)
		}
		count = n
	}
	if s := os.Getenv(env + "_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s_SEED=%q: want a number", env, s)
		}
		first = n
		if os.Getenv(env+"_SEEDS") == "" {
			count = 1
		}
	}
	s := &randStats{}
	t.Run("seeds", func(t *testing.T) {
		for i := 0; i < count; i++ {
			seed := first + uint64(i)
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				run(t, seed, s)
			})
		}
	})
	s.Lock()
	defer s.Unlock()
	t.Logf("%d seeds: nginx refused %d configs, serve refused %d, serve warned on %d; %d requests compared, %d differ, %d of them MORE PERMISSIVE",
		s.seeds, s.refusedNginx, s.refusedServe, s.warned, s.requests, s.mismatches, s.permissive)
}

// runRandomSeed generates the server and requests of seed, runs nginx and
// serve on them, and reports every request they answer differently.
func runRandomSeed(t *testing.T, seed uint64, stats *randStats) {
	g := newRandGen(seed)
	tmpl := g.server()
	reqs := g.requests(30 + g.r.IntN(31))
	runRandomCase(t, stats, randCase{
		seed: seed, rerun: "XACCEL_SERVE_SEED", tmpl: tmpl,
		conf:       strings.NewReplacer("BACKEND", scriptBackend(t), "ECHOAPP", echoBackend(t)).Replace(tmpl),
		legend:     "BACKEND is the scripted app, scriptBackend; ECHOAPP echoBackend; files: randFiles and randSymlinks under {{PREFIX}}",
		files:      randFiles,
		symlinks:   randSymlinks,
		reqs:       reqs,
		permissive: randPermissive,
	})
}

// randCase is one seed's server and requests for runRandomCase.
type randCase struct {
	seed       uint64
	rerun      string // the variable that runs the seed alone
	tmpl, conf string // the configuration as generated, and with its apps' addresses
	legend     string // what tmpl's placeholders and files are, for the report
	files      map[string]string
	symlinks   map[string]string
	// confDir is where serve reads the configuration from, relative to
	// the prefix ("": the prefix; "conf" where nginx reads it, for
	// includes relative to it).
	confDir    string
	reqs       []randRequest
	permissive func(want, got *realnginx.Response) []string
	// explain, when set, adds to the report of a difference.
	explain func(want, got *realnginx.Response, prefix string) string
}

// runRandomCase checks c's configuration with nginx, runs nginx and serve
// on it, sends both c's requests, and reports every request they answer
// differently, the more permissive answers of serve first, with the
// configuration and what nginx logged.
func runRandomCase(t *testing.T, stats *randStats, c randCase) {
	seed, tmpl, reqs := c.seed, c.tmpl, c.reqs
	stats.add(func(s *randStats) { s.seeds++ })
	if ok, out := realnginx.CheckHTTP(c.conf, c.files); !ok {
		stats.add(func(s *randStats) { s.refusedNginx++ })
		t.Logf("seed %d: nginx refuses the config, skipped: %s\n%s", seed, strings.TrimSpace(out), tmpl)
		return
	}
	ng := realnginx.StartHTTP(t, c.conf, c.files)
	for link, to := range c.symlinks {
		if err := os.Symlink(to, ng.Path(link)); err != nil {
			t.Fatal(err)
		}
	}
	emu, warns, err := randStartEmulator(t, c.conf, ng.Prefix, c.confDir)
	if err != nil {
		stats.add(func(s *randStats) { s.refusedServe++ })
		t.Logf("seed %d: serve refuses the config, skipped: %v\n%s", seed, err, tmpl)
		return
	}
	for _, w := range warns {
		t.Logf("seed %d: warning: %s", seed, w)
	}
	if len(warns) > 0 {
		stats.add(func(s *randStats) { s.warned++ })
	}
	_, emuPort, _ := strings.Cut(emu, ":")
	type mismatch struct {
		text string
		perm bool
	}
	var found []mismatch
	for _, rq := range reqs {
		raw := realnginx.RawRequest(rq.method, rq.target, rq.header, rq.body)
		logBefore := len(ng.ErrorLog())
		want, werr := ng.DoRaw(raw)
		got, gerr := realnginx.SendRaw(emu, raw)
		// An absolute redirect names each server's own port after a Host
		// other than localhost (which normalize handles).
		portOf(want, strconv.Itoa(ng.Port))
		portOf(got, emuPort)
		var problems, perm []string
		switch {
		case werr != nil || gerr != nil:
			if (werr == nil) != (gerr == nil) {
				problems = append(problems, "only one of them answered")
			}
		default:
			problems = diffResponses(want, got)
			if len(problems) > 0 {
				perm = c.permissive(want, got)
			}
		}
		if len(problems) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "--- %s %s", rq.method, rq.target)
		if rq.body != "" {
			fmt.Fprintf(&b, " (body %q)", rq.body)
		}
		keys := make([]string, 0, len(rq.header))
		for k := range rq.header {
			keys = append(keys, k)
		}
		sort.Strings(keys) // in the order they were sent
		for _, k := range keys {
			fmt.Fprintf(&b, " (%s: %s)", k, strings.Join(rq.header[k], ", "))
		}
		if len(perm) > 0 {
			fmt.Fprintf(&b, "\n  MORE PERMISSIVE: %s", strings.Join(perm, "; "))
		}
		fmt.Fprintf(&b, "\n  nginx: %s\n  serve: %s\n  %s", showResponse(want, werr, ng.Prefix), showResponse(got, gerr, ng.Prefix), strings.Join(problems, "\n  "))
		if c.explain != nil && werr == nil && gerr == nil {
			b.WriteString(c.explain(want, got, ng.Prefix))
		}
		if l := ng.ErrorLog(); len(l) > logBefore {
			// What nginx logged for this request (it logs as it answers).
			fmt.Fprintf(&b, "\n  nginx's error log: %s", strings.TrimSpace(logStamp.ReplaceAllString(strings.ReplaceAll(l[logBefore:], ng.Prefix, "{{PREFIX}}"), "")))
		}
		found = append(found, mismatch{b.String(), len(perm) > 0})
	}
	nperm := 0
	for _, m := range found {
		if m.perm {
			nperm++
		}
	}
	stats.add(func(s *randStats) {
		s.requests += len(reqs)
		s.mismatches += len(found)
		s.permissive += nperm
	})
	if len(found) == 0 {
		return
	}
	// The more permissive answers first.
	sort.SliceStable(found, func(i, j int) bool { return found[i].perm && !found[j].perm })
	texts := make([]string, len(found))
	for i, m := range found {
		texts[i] = m.text
	}
	t.Errorf("seed %d (%s=%d reproduces it): %d of %d requests differ, %d MORE PERMISSIVE\n"+
		"config (%s):\n%s%s",
		seed, c.rerun, seed, len(found), len(reqs), nperm, c.legend, tmpl, strings.Join(texts, "\n"))
}
