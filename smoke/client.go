package smoke

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds what is read of one probe's answer; the rest is not
// read, and the answer counts as larger than any sample file.
const maxBody = 64 << 20

// client sends the requests of one run to the target only.
type client struct {
	base *url.URL
	host string // Host header ("" for the target's)
	http *http.Client
	tr   *http.Transport
	sent int
	// answered counts the requests that got an HTTP answer.
	answered int
	// controls caches the answers for names that do not exist.
	controls map[string]*answer
}

// answer is what came back for one request.
type answer struct {
	Status int
	Header http.Header
	Size   int64  // body bytes read
	SHA256 string // of the body read
	Head   []byte // the first headSize bytes
	Over   bool   // the body was larger than maxBody
}

func newClient(base *url.URL, host string, timeout time.Duration) *client {
	tr := &http.Transport{
		// Never an HTTP proxy from the environment: requests go to the
		// target and nowhere else.
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		DisableCompression:    true,
	}
	return &client{
		base: base,
		host: host,
		tr:   tr,
		http: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		controls: map[string]*answer{},
	}
}

func (c *client) close() { c.tr.CloseIdleConnections() }

// do sends one request with the target (path and query) written exactly as
// given, and reads the answer. The first request failing to connect means
// the target is unreachable.
func (c *client) do(ctx context.Context, method, target string, hdr http.Header, limit int64) (*answer, error) {
	u := &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Opaque: target}
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		u.Opaque = "/" + strings.TrimLeft(target, "/")
	}
	if p, q, ok := strings.Cut(u.Opaque, "?"); ok {
		u.Opaque, u.RawQuery = p, q
		u.ForceQuery = q == ""
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String(), nil)
	if err != nil {
		return nil, err
	}
	req.URL = u
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "xaccel-smoke")
	if c.host != "" {
		req.Host = c.host
	}
	first := c.answered == 0
	c.sent++
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The request's URL is opaque (sent byte for byte): name the
			// whole URL instead of "http:/media/".
			ue.URL = c.base.String() + u.Opaque
			if u.RawQuery != "" || u.ForceQuery {
				ue.URL += "?" + u.RawQuery
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if first {
			// Nothing ever came back from the target: it is not
			// there, not answering, or not speaking HTTP, and no probe
			// can test anything.
			return nil, &UnreachableError{Target: c.base.String(), Err: err}
		}
		return nil, err
	}
	c.answered++
	defer resp.Body.Close()
	a := &answer{Status: resp.StatusCode, Header: resp.Header}
	h := sha256.New()
	head := &headWriter{max: headSize}
	n, err := io.Copy(io.MultiWriter(h, head), io.LimitReader(resp.Body, limit+1))
	if n > limit {
		a.Over = true
		n = limit
	} else if err != nil {
		return nil, err
	}
	a.Size, a.SHA256, a.Head = n, hex.EncodeToString(h.Sum(nil)), head.b
	return a, nil
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// control asks for a name that does not exist in the probe's place: the
// last path segment gets a prefix (keeping its extension, so that the same
// regex locations match). Answers are cached per request.
func (c *client) control(ctx context.Context, pr *Probe) (*answer, string, error) {
	target := pr.Target
	i := strings.LastIndexByte(target, '/')
	target = target[:i+1] + "xaccel-absent-" + target[i+1:]
	key := pr.Method + " " + target + " " + pr.Range
	if a, ok := c.controls[key]; ok {
		return a, target, nil
	}
	a, err := c.do(ctx, pr.Method, target, probeHeader(pr), maxBody)
	if err != nil {
		return nil, target, err
	}
	c.controls[key] = a
	return a, target, nil
}

func probeHeader(pr *Probe) http.Header {
	h := http.Header{}
	if pr.Range != "" {
		h.Set("Range", pr.Range)
	}
	return h
}

// runPlan sends the probes in order and judges each answer.
func (c *client) runPlan(ctx context.Context, p *Plan) ([]Result, error) {
	var out []Result
	passed := map[*Probe]bool{}
	for _, pr := range p.Probes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := c.do(ctx, pr.Method, pr.Target, probeHeader(pr), maxBody)
		var r Result
		if err != nil {
			var ue *UnreachableError
			if errors.As(err, &ue) || ctx.Err() != nil {
				return nil, err
			}
			r = Result{Probe: pr, Problem: "no-answer", Reason: "no answer: " + err.Error() + "; the probe cannot show that the file is protected"}
		} else {
			r = c.judge(ctx, p, pr, a, passed)
		}
		passed[pr] = r.Pass
		out = append(out, r)
	}
	return out, nil
}
