//go:build unix

package proxy

// limit_conn (ngx_http_limit_conn_module, nginx 1.22): in the pre-access
// phase, after limit_req, each limit_conn of the location counts the
// request against its zone's key for as long as it runs; one more than the
// number allowed is refused (limit_conn_status, 503).

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// connZone is one limit_conn_zone: its key and the requests running per
// key (at most max keys: its size over nginx's size of a key's state).
type connZone struct {
	name  string
	key   string
	max   int
	conns map[string]int
}

// readConnZones reads the limit_conn_zone directives at levels into z.
func (z *limitZones) readConnZones(levels []*nginx.Directive) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, lv := range levels {
		for _, d := range lv.Find("limit_conn_zone") {
			zone := &connZone{key: d.Arg(0), conns: map[string]int{}}
			for _, a := range d.Args[1:] {
				v, ok := strings.CutPrefix(a, "zone=")
				if !ok {
					return fmt.Errorf("%s: invalid parameter \"%s\"", d.Pos, a)
				}
				name, size, ok := strings.Cut(v, ":")
				n, good := parseSize(size)
				if !ok || name == "" || !good || n < 8*4096 {
					return fmt.Errorf("%s: invalid zone size \"%s\" (nginx wants zone=NAME:SIZE, SIZE at least 32k)", d.Pos, a)
				}
				zone.name, zone.max = name, int(n/connNodeSize)
			}
			if zone.name == "" {
				return fmt.Errorf("%s: \"limit_conn_zone\" must have \"zone\" parameter", d.Pos)
			}
			if _, ok := z.conn[zone.name]; !ok {
				z.conn[zone.name] = zone
			}
		}
	}
	return nil
}

// connNodeSize is about what a key's state takes in nginx's zone.
const connNodeSize = 64

// connLimit is one limit_conn of a location: its zone and how many
// requests of a key may run at once.
type connLimit struct {
	zone *connZone
	n    int
}

// connLimitsConf is the limit_conn settings of a location.
type connLimitsConf struct {
	limits   []connLimit
	status   int
	logLevel int
	dryRun   bool
}

// connLimitsAt reads the limit_conn settings at levels (nil: none).
func (z *limitZones) connLimitsAt(levels []*nginx.Directive) (*connLimitsConf, error) {
	ds := nginx.Effective(levels, "limit_conn")
	if len(ds) == 0 {
		return nil, nil
	}
	c := &connLimitsConf{status: http.StatusServiceUnavailable, logLevel: logErr, dryRun: flagOn(levels, "limit_conn_dry_run")}
	if d := nearest(levels, "limit_conn_status"); d != nil {
		if n, err := strconv.Atoi(d.Arg(0)); err == nil && n >= 400 && n <= 599 {
			c.status = n
		}
	}
	if d := nearest(levels, "limit_conn_log_level"); d != nil {
		if l, ok := logLevelNames[d.Arg(0)]; ok {
			c.logLevel = l
		}
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, d := range ds {
		zone := z.conn[d.Arg(0)]
		if zone == nil {
			return nil, fmt.Errorf("%s: unknown limit_conn_zone \"%s\"", d.Pos, d.Arg(0))
		}
		n, err := strconv.Atoi(d.Arg(1))
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("%s: invalid number of connections \"%s\"", d.Pos, d.Arg(1))
		}
		c.limits = append(c.limits, connLimit{zone: zone, n: n})
	}
	return c, nil
}

// connHeld is a count a request holds until it ends.
type connHeld struct {
	zone *connZone
	key  string
}

// limitConn is ngx_http_limit_conn_handler for rq: once per request, each
// limit counts it while it runs (releaseConns gives the counts back);
// refused is true when rq was answered (limit_conn_status, through
// error_page).
func (h *Handler) limitConn(w http.ResponseWriter, rq *request, l *nginx.Location, lc *locConf) (step, bool) {
	c, m := lc.limitConn, rq.mainRequest()
	if c == nil || m.limitConnStatus != "" {
		return step{}, false
	}
	for i := range c.limits {
		limit := &c.limits[i]
		key := h.expand(rq, limit.zone.key)
		if key == "" || len(key) > 255 {
			continue
		}
		m.limitConnStatus = limitPassed
		z := h.zones
		z.mu.Lock()
		n, known := limit.zone.conns[key]
		full := !known && len(limit.zone.conns) >= max(limit.zone.max, 1)
		if !full && n < limit.n {
			limit.zone.conns[key] = n + 1
			z.mu.Unlock()
			m.connsHeld = append(m.connsHeld, connHeld{limit.zone, key})
			continue
		}
		z.mu.Unlock()
		if full {
			h.logError(rq, lc, logAlert, nil, fmt.Sprintf("could not allocate node in limit_conn zone \"%s\"", limit.zone.name))
		} else {
			h.logError(rq, lc, c.logLevel, nil, fmt.Sprintf("%slimiting connections by zone \"%s\"", dryRunText(c.dryRun), limit.zone.name))
		}
		h.releaseConns(m)
		if c.dryRun {
			m.limitConnStatus = limitRejectedDry
			return step{}, false
		}
		m.limitConnStatus = limitRejected
		return h.fail(w, rq, c.status, l), true
	}
	return step{}, false
}

// releaseConns gives back the counts rq holds (the request's end, or a
// refusal by a later limit).
func (h *Handler) releaseConns(rq *request) {
	if len(rq.connsHeld) == 0 {
		return
	}
	z := h.zones
	z.mu.Lock()
	for _, held := range rq.connsHeld {
		if n := held.zone.conns[held.key] - 1; n > 0 {
			held.zone.conns[held.key] = n
		} else {
			delete(held.zone.conns, held.key)
		}
	}
	z.mu.Unlock()
	rq.connsHeld = nil
}
