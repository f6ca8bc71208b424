package smoke

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// maxViaBody bounds what is read of a --via download.
const maxViaBody = 1 << 30

// Checks of the legitimate path, the Variant of its results.
const (
	CheckBody        = "body"
	CheckDisposition = "content-disposition"
	CheckNosniff     = "nosniff"
	CheckCache       = "cache-control"
	CheckAccel       = "accel-headers"
)

// Via is an app download URL and what its body must be.
type Via struct {
	Arg    string // as given
	Target string // path and query, sent as is
	SHA256 string // the expected body's SHA-256 (hex), or ""
	File   string // the file it was read from, or ""
}

// parseVia reads URL[=SHA256|=@FILE]. URL is a path ("/download/7") or an
// absolute URL on the target's scheme, host and port.
func parseVia(arg string, base *url.URL) (*Via, error) {
	v := &Via{Arg: arg}
	raw := arg
	if i := strings.LastIndexByte(arg, '='); i >= 0 {
		suffix := arg[i+1:]
		switch {
		case strings.HasPrefix(suffix, "@"):
			v.File = suffix[1:]
			raw = arg[:i]
		case len(suffix) == 64 && isHex(suffix):
			v.SHA256 = strings.ToLower(suffix)
			raw = arg[:i]
		}
	}
	if v.File != "" {
		b, err := os.ReadFile(v.File)
		if err != nil {
			return nil, usagef("--via %s: %v", arg, err)
		}
		sum := sha256.Sum256(b)
		v.SHA256 = hex.EncodeToString(sum[:])
	}
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil, usagef("--via %q: want a path (/download/7) or a URL on the target, optionally followed by =SHA256 or =@FILE", arg)
	}
	if u.Scheme != "" || u.Host != "" {
		if !strings.EqualFold(u.Scheme, base.Scheme) || !sameHost(u, base) {
			return nil, usagef("--via %s: not on the target %s; requests go to the target only", arg, base)
		}
	} else if !strings.HasPrefix(raw, "/") {
		return nil, usagef("--via %q: a path must start with /", arg)
	}
	v.Target = u.EscapedPath()
	if v.Target == "" {
		v.Target = "/"
	}
	if u.RawQuery != "" || u.ForceQuery {
		v.Target += "?" + u.RawQuery
	}
	return v, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// sameHost compares host and port, with the scheme's default port.
func sameHost(u, base *url.URL) bool {
	port := func(x *url.URL) string {
		if p := x.Port(); p != "" {
			return p
		}
		if strings.EqualFold(base.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(u.Hostname(), base.Hostname()) && port(u) == port(base)
}

// sessionHeader builds the headers of the --via requests.
func sessionHeader(headers, cookies []string) (http.Header, error) {
	h := http.Header{}
	for _, line := range headers {
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return nil, usagef("--header %q: want \"Name: value\"", line)
		}
		if strings.EqualFold(name, "Host") {
			return nil, usagef("--header %q: the Host header comes from --target (or --server-name)", line)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	var parts []string
	for _, c := range cookies {
		name, _, ok := strings.Cut(c, "=")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(c, ";\r\n") {
			return nil, usagef("--cookie %q: want name=value", c)
		}
		parts = append(parts, strings.TrimSpace(c))
	}
	if len(parts) > 0 {
		h.Add("Cookie", strings.Join(parts, "; "))
	}
	return h, nil
}

// runVia downloads one --via URL and checks what a legitimate download
// must look like. It returns the results and the file it revealed.
func (c *client) runVia(ctx context.Context, v *Via, hdr http.Header) ([]Result, []Sample, error) {
	a, err := c.do(ctx, "GET", v.Target, hdr.Clone(), maxViaBody)
	probe := func(check string) *Probe {
		return &Probe{Kind: KindVia, Variant: check, Method: "GET", Target: v.Target, Via: v}
	}
	if err != nil {
		var ue *UnreachableError
		if errors.As(err, &ue) {
			return nil, nil, err
		}
		return []Result{{Probe: probe(CheckBody), Problem: ProblemNoAnswer, Reason: "no answer: " + err.Error()}}, nil, nil
	}
	body := Result{Probe: probe(CheckBody), Status: a.Status, Size: a.Size}
	if a.Status < 200 || a.Status > 299 {
		body.Problem = ProblemDownload
		body.Reason = fmt.Sprintf("the app download answered %d (headers not checked): check the URL, the session (--header, --cookie) and the app's log", a.Status)
		return []Result{body}, nil, nil
	}
	switch {
	case a.Over:
		body.Problem = ProblemBodyMismatch
		body.Reason = fmt.Sprintf("the download is larger than %d bytes and was not read to the end", int64(maxViaBody))
	case v.SHA256 != "" && a.SHA256 != v.SHA256:
		body.Problem = ProblemBodyMismatch
		body.Reason = fmt.Sprintf("%d bytes with SHA-256 %s, not the expected file (%s): the X-Accel-Redirect target maps to another file, or the app sent its own body", a.Size, a.SHA256[:12], v.SHA256[:12])
	case a.Size == 0:
		body.Problem = ProblemEmptyDownload
		body.Reason = "the download is empty: the X-Accel-Redirect target is probably missing or not a file"
	case v.SHA256 != "":
		body.Pass = true
		body.Reason = fmt.Sprintf("the expected file (%d bytes)", a.Size)
	default:
		body.Pass = true
		body.Reason = fmt.Sprintf("%d bytes (no expected SHA-256 given)", a.Size)
	}
	if !body.Pass && a.Header.Get("X-Accel-Redirect") != "" {
		body.Reason += "; the app's X-Accel-Redirect reached the client instead of being acted on (proxy_ignore_headers X-Accel-Redirect?)"
	}
	out := []Result{body}
	check := func(name string, pass bool, problem, passWhy, failWhy string) {
		r := Result{Probe: probe(name), Status: a.Status, Size: a.Size, Pass: pass, Reason: passWhy}
		if !pass {
			r.Problem, r.Reason = problem, failWhy
		}
		out = append(out, r)
	}
	cd := a.Header.Get("Content-Disposition")
	check(CheckDisposition, cd != "", ProblemDisposition, "Content-Disposition: "+cd,
		"no Content-Disposition: a browser may show the file inline, on your origin; have the app send `Content-Disposition: attachment; filename=...` (nginx keeps it on the X-Accel-Redirect path)")
	xcto := a.Header.Values("X-Content-Type-Options")
	nosniff := false
	for _, x := range xcto {
		nosniff = nosniff || strings.EqualFold(strings.TrimSpace(x), "nosniff")
	}
	check(CheckNosniff, nosniff, ProblemNosniff, "X-Content-Type-Options: nosniff",
		"no `X-Content-Type-Options: nosniff`: a browser may sniff an uploaded file as HTML and run it on your origin; add `add_header X-Content-Type-Options \"nosniff\" always;` to the internal location (nginx drops the app's own header on the X-Accel-Redirect path)")
	cc := strings.Join(a.Header.Values("Cache-Control"), ", ")
	lc := strings.ToLower(cc)
	check(CheckCache, strings.Contains(lc, "private") || strings.Contains(lc, "no-store"), ProblemCache, "Cache-Control: "+cc,
		fmt.Sprintf("Cache-Control %q holds neither private nor no-store: a CDN or shared cache may keep the file and hand it to anyone; have the app send `Cache-Control: private` (and no `expires` in the internal location, which replaces it)", cc))
	var accel []string
	for k := range a.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-accel-") {
			accel = append(accel, k+": "+a.Header.Get(k))
		}
	}
	sort.Strings(accel)
	check(CheckAccel, len(accel) == 0, ProblemAccelExposed, "no X-Accel-* header reaches the client",
		"the client sees "+strings.Join(accel, ", ")+": it names the internal path and the app's internals; remove `proxy_pass_header X-Accel-...` (and any `add_header X-Accel-...`) from the proxying location")

	var learned []Sample
	if body.Pass && !a.Over {
		s := Sample{From: "--via " + v.Arg, Known: true, Size: a.Size, SHA256: a.SHA256, Head: a.Head}
		if name := dispositionName(cd); name != "" {
			s.Name = name
		} else if seg := path.Base(strings.SplitN(v.Target, "?", 2)[0]); seg != "/" && seg != "." {
			if un, err := url.PathUnescape(seg); err == nil {
				s.Name = un
			}
		}
		if s.Name != "" {
			learned = append(learned, s)
		}
		if xar := a.Header.Get("X-Accel-Redirect"); xar != "" {
			if uri, _, named, err := nginx.ParseAccelRedirect(xar); err == nil && !named && strings.HasPrefix(uri, "/") {
				s.Name = uri
				learned = append(learned, s)
			}
		}
	}
	return out, learned, nil
}

// dispositionName is the file name a Content-Disposition gives (filename*
// decoded), without directories; "" when there is none.
func dispositionName(cd string) string {
	if cd == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return ""
	}
	name := params["filename"]
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == ".." || strings.ContainsAny(name, "\x00\r\n") {
		return ""
	}
	return name
}
