//go:build unix

package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// The error log (ngx_log_error with ngx_http_log_error's context): the
// error_log files in effect where a request is handled (the nearest
// level's; relative paths from the configuration prefix, opened at
// start-up, as nginx opens them; "stderr" is serve's standard error)
// get nginx's lines for what serve reports there: a file that cannot be
// opened ("open() \"...\" failed (2: No such file or directory)", with
// log_not_found for the not-found ones) and the index module's messages.
// Lines below a file's level are left out.

// Error log levels, as ngx_log_error numbers them (lower: more severe).
const (
	logEmerg = iota + 1
	logAlert
	logCrit
	logErr
	logWarn
	logNotice
	logInfo
	logDebug
)

var logLevelNames = map[string]int{"emerg": logEmerg, "alert": logAlert, "crit": logCrit, "error": logErr,
	"warn": logWarn, "notice": logNotice, "info": logInfo, "debug": logDebug}

var logLevelText = map[int]string{logEmerg: "emerg", logAlert: "alert", logCrit: "crit", logErr: "error",
	logWarn: "warn", logNotice: "notice", logInfo: "info", logDebug: "debug"}

// errorLog is one error_log target.
type errorLog struct {
	w     io.Writer
	level int
}

// errorLogsAt opens the error_log targets in effect at levels (the
// nearest level that has any). A target serve cannot open or write
// (syslog:, memory:) is left out; openErrorLogs reports them.
func (h *Handler) errorLogsAt(levels []*nginx.Directive) []errorLog {
	var out []errorLog
	for _, d := range nginx.Effective(levels, "error_log") {
		level := logErr
		if len(d.Args) > 1 {
			if l, ok := logLevelNames[d.Args[1]]; ok {
				level = l
			}
		}
		switch target := d.Arg(0); {
		case target == "stderr":
			out = append(out, errorLog{w: os.Stderr, level: level})
		case strings.HasPrefix(target, "syslog:"), strings.HasPrefix(target, "memory:"), target == "/dev/null":
		default:
			if h.logs == nil {
				continue
			}
			if f, err := h.logFile(target); err == nil {
				out = append(out, errorLog{w: f, level: level})
			}
		}
	}
	return out
}

// openErrorLogs opens every error_log file of the server at start-up, as
// nginx creates them, and reports those it cannot open or write.
func (h *Handler) openErrorLogs() []Warning {
	var warns []Warning
	seen := map[*nginx.Directive]bool{}
	levels := [][]*nginx.Directive{h.serverConf.levels}
	for _, c := range h.confs {
		levels = append(levels, c.levels)
	}
	for _, lv := range levels {
		for _, d := range nginx.Effective(lv, "error_log") {
			if seen[d] {
				continue
			}
			seen[d] = true
			switch target := d.Arg(0); {
			case target == "stderr", target == "/dev/null":
			case strings.HasPrefix(target, "syslog:"), strings.HasPrefix(target, "memory:"):
				warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "a syslog or memory target is not emulated: nothing is written there"})
			default:
				if _, err := h.logFile(target); err != nil {
					warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: fmt.Sprintf("the log cannot be opened (%v): nothing is written there", err)})
				}
			}
		}
	}
	return warns
}

// logError writes msg at level to the error logs of rq's location lc, with
// the errno err is or wraps (nil: none) and the request's context, as
// ngx_log_error_core and ngx_http_log_error format it.
func (h *Handler) logError(rq *request, lc *locConf, level int, err error, msg string) {
	var targets []errorLog
	for _, t := range lc.errorLogs {
		if level <= t.level {
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		return
	}
	var b strings.Builder
	pid := os.Getpid()
	fmt.Fprintf(&b, "%s [%s] %d#%d: ", time.Now().Format("2006/01/02 15:04:05"), logLevelText[level], pid, pid)
	if ci := http1.Conn(rq.r); ci != nil {
		fmt.Fprintf(&b, "*%d ", ci.Serial)
	}
	b.WriteString(msg)
	var errno syscall.Errno
	errors.As(err, &errno) // an Errno, or one an *fs.PathError wraps
	if errno != 0 {
		fmt.Fprintf(&b, " (%d: %s)", int(errno), errnoText(errno))
	}
	r := rq.r
	fmt.Fprintf(&b, ", client: %s, server: %s", remoteAddr(r), h.srv.NameOf(""))
	if r.Method != "" {
		fmt.Fprintf(&b, ", request: \"%s %s %s\"", r.Method, r.RequestURI, r.Proto)
	}
	if r.Host != "" {
		fmt.Fprintf(&b, ", host: \"%s\"", r.Host)
	}
	if ref, ok := firstHeader(r, "Referer"); ok {
		fmt.Fprintf(&b, ", referrer: \"%s\"", ref)
	}
	b.WriteByte('\n')
	for _, t := range targets {
		io.WriteString(t.w, b.String())
	}
}

// errnoText is strerror's text for e, as glibc gives it.
func errnoText(e syscall.Errno) string {
	s := e.Error()
	if s == "" {
		return "Unknown error"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// logOpenFailed is ngx_http_static_handler's line for a file it cannot
// open: not found (404, when log_not_found is on) and forbidden at
// "error", anything else at "crit".
func (h *Handler) logOpenFailed(rq *request, lc *locConf, path string, status int, err error) {
	level := logErr
	switch status {
	case http.StatusNotFound:
		if !lc.logNotFound {
			return
		}
	case http.StatusForbidden:
	default:
		level = logCrit
	}
	h.logError(rq, lc, level, err, fmt.Sprintf("open() \"%s\" failed", path))
}
