//go:build unix

package proxy

// access_log and log_format (ngx_http_log_module): after a request, one
// line per access_log in effect where it ended, in its format. Without any
// access_log in the configuration serve writes none (nginx would write
// its compiled-in logs/access.log); `access_log off` writes none.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// combinedFormat is nginx's predefined "combined" log_format.
const combinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// logFormat is one log_format: its text (the strings joined) and how
// variable values are escaped (default, json or none).
type logFormat struct {
	escape string
	text   string
}

// accessLogs are the handler's log formats and open log files.
type accessLogs struct {
	formats map[string]*logFormat
	mu      sync.Mutex
	files   map[string]*os.File
}

// collectLogFormats reads the http level's log_format directives and
// warns about the access_log settings serve does not follow (gzip,
// syslog) and the files it cannot open.
func (h *Handler) collectLogFormats() []Warning {
	h.logs = &accessLogs{formats: map[string]*logFormat{"combined": {escape: "default", text: combinedFormat}}, files: map[string]*os.File{}}
	if h.srv.HTTP != nil {
		for _, d := range h.srv.HTTP.Find("log_format") {
			if len(d.Args) < 2 {
				continue
			}
			f := &logFormat{escape: "default"}
			rest := d.Args[1:]
			if e, ok := strings.CutPrefix(rest[0], "escape="); ok {
				f.escape, rest = e, rest[1:]
			}
			f.text = strings.Join(rest, "")
			h.logs.formats[d.Args[0]] = f
		}
	}
	var warns []Warning
	seen := map[*nginx.Directive]bool{}
	levels := [][]*nginx.Directive{h.serverConf.levels}
	for _, c := range h.confs {
		levels = append(levels, c.levels)
	}
	for _, lv := range levels {
		for _, d := range nginx.Effective(lv, "access_log") {
			if seen[d] || d.Arg(0) == "off" {
				continue
			}
			seen[d] = true
			for _, a := range d.Args[1:] {
				if a == "gzip" || strings.HasPrefix(a, "gzip=") {
					warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "gzip is not emulated: the log is written uncompressed"})
				}
			}
			switch {
			case strings.HasPrefix(d.Arg(0), "syslog:"):
				warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "a syslog target is not emulated: nothing is sent"})
			case !strings.Contains(d.Arg(0), "$"):
				if _, err := h.logFile(d.Arg(0)); err != nil {
					warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: fmt.Sprintf("the log cannot be opened (%v): nothing is written there", err)})
				}
			}
		}
	}
	return warns
}

// logFile opens the log at path (relative to the configuration prefix)
// once, for appending.
func (h *Handler) logFile(path string) (*os.File, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(h.prefix, path)
	}
	h.logs.mu.Lock()
	defer h.logs.mu.Unlock()
	if f, ok := h.logs.files[path]; ok {
		return f, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	h.logs.files[path] = f
	return f, nil
}

// logRequest writes rq's lines to the access logs in effect where it
// ended (its location's, else the server's), as nginx's log phase does.
func (h *Handler) logRequest(w http.ResponseWriter, rq *request, status int) {
	if h.logs == nil {
		return
	}
	ds := h.conf(rq.loc).accessLogs
	if len(ds) == 0 {
		return
	}
	if rq.status == 0 {
		rq.status = status
	}
	rq.sent = w.Header()
	rq.bodySent = http1.BodyBytesSent(w)
	rq.completed = http1.Completed(w)
	defer func() { rq.sent = nil }()
	for _, d := range ds {
		target := d.Arg(0)
		if target == "off" || strings.HasPrefix(target, "syslog:") {
			continue
		}
		format := h.logs.formats["combined"]
		cond := ""
		for _, a := range d.Args[1:] {
			if c, ok := strings.CutPrefix(a, "if="); ok {
				cond = c
			} else if !strings.Contains(a, "=") && a != "gzip" {
				format = h.logs.formats[a]
			}
		}
		if format == nil {
			continue // nginx refuses an unknown format at start-up
		}
		if cond != "" {
			if v := h.expand(rq, cond); v == "" || v == "0" {
				continue
			}
		}
		line := h.expandEach(rq, format.text, format.escaper()) + "\n"
		if strings.Contains(target, "$") {
			target = h.expand(rq, target)
		}
		f, err := h.logFile(target)
		if err != nil {
			continue // said at start-up for a literal path
		}
		f.WriteString(line)
	}
}

// escaper is how a variable's value goes into a line of the format.
// nginx writes "-" for a variable that is not found (no such argument,
// header, cookie, upstream) with the default escaping, and nothing with
// escape=json or none; serve's variables have no "not found", so an empty
// value counts as one, except $uri and $document_uri, which nginx finds
// empty in a request whose target it refused.
func (f *logFormat) escaper() func(name, value string) string {
	switch f.escape {
	case "json":
		return func(_, v string) string { return escapeJSON(v) }
	case "none":
		return func(_, v string) string { return v }
	}
	return func(name, v string) string {
		if v == "" && name != "uri" && name != "document_uri" {
			return "-"
		}
		return escapeLogDefault(v)
	}
}

// escapeLogDefault is ngx_http_log_escape: '"', '\', control bytes and
// bytes from 0x7f up as \xXX.
func escapeLogDefault(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, `\x%02X`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// logTimes are the time variables of the log module at t.
func logTime(name string, t time.Time) (string, bool) {
	switch name {
	case "time_local":
		return t.Local().Format("02/Jan/2006:15:04:05 -0700"), true
	case "time_iso8601":
		return t.Local().Format("2006-01-02T15:04:05-07:00"), true
	case "msec":
		return fmt.Sprintf("%d.%03d", t.Unix(), t.Nanosecond()/1e6), true
	}
	return "", false
}
