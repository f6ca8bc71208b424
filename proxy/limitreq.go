//go:build unix

package proxy

// limit_req (ngx_http_limit_req_module, nginx 1.22): in the pre-access
// phase, each limit_req of the location counts the request against its
// zone's key (a leaky bucket of the zone's rate, in thousandths of a
// request); over burst the request is refused (limit_req_status, 503),
// over the delay threshold it waits until the bucket has drained that far.

import (
	"container/list"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// limitZones are the zones of limit_req_zone and limit_conn_zone, shared
// by every server of a configuration (nginx keeps them in shared memory).
type limitZones struct {
	mu    sync.Mutex
	req   map[string]*reqZone
	conn  map[string]*connZone
	start time.Time // ms count from here, as ngx_current_msec
}

func newLimitZones() *limitZones {
	return &limitZones{req: map[string]*reqZone{}, conn: map[string]*connZone{}, start: time.Now()}
}

// now is the zones' clock in milliseconds. Like ngx_current_msec (a
// monotonic clock, from the system's start) it is far from zero, which
// matters: a key's first state in a limit that is not a location's last
// starts at time 0, so that its first count finds it drained.
func (z *limitZones) now() int64 { return time.Since(z.start).Milliseconds() + 1<<32 }

// reqZone is one limit_req_zone: its key, its rate in thousandths of a
// request per second, and the states of its keys, least recently used
// last; max bounds them (the zone's size over nginx's size of a state).
type reqZone struct {
	name  string
	key   string
	rate  int64
	max   int
	nodes map[string]*list.Element
	lru   list.List
}

// reqNode is a key's state: the requests in excess (thousandths) as of
// last (ms), and how many requests are between lookup and account.
type reqNode struct {
	key    string
	excess int64
	last   int64
	count  int
}

// reqNodeSize is about what a key's state takes in nginx's zone (the
// rbtree node, the queue link, the counters and a short key).
const reqNodeSize = 128

// readReqZones reads the limit_req_zone directives at levels into z
// (once: every server of the configuration shares them). A zone nginx
// would refuse is an error with its position.
func (z *limitZones) readReqZones(levels []*nginx.Directive) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, lv := range levels {
		for _, d := range lv.Find("limit_req_zone") {
			zone, err := parseReqZone(d)
			if err != nil {
				return err
			}
			if _, ok := z.req[zone.name]; !ok {
				z.req[zone.name] = zone
			}
		}
	}
	return nil
}

// parseReqZone reads `limit_req_zone key zone=name:size rate=Nr/s|r/m [sync]`.
func parseReqZone(d *nginx.Directive) (*reqZone, error) {
	zone := &reqZone{key: d.Arg(0), nodes: map[string]*list.Element{}}
	for _, a := range d.Args[1:] {
		switch {
		case strings.HasPrefix(a, "zone="):
			name, size, ok := strings.Cut(a[5:], ":")
			n, good := parseSize(size)
			if !ok || name == "" || !good || n < 8*4096 {
				return nil, fmt.Errorf("%s: invalid zone size \"%s\" (nginx wants zone=NAME:SIZE, SIZE at least 32k)", d.Pos, a)
			}
			zone.name, zone.max = name, int(n/reqNodeSize)
		case strings.HasPrefix(a, "rate="):
			v := a[5:]
			per := int64(1)
			switch {
			case strings.HasSuffix(v, "r/s"):
				v = v[:len(v)-3]
			case strings.HasSuffix(v, "r/m"):
				v, per = v[:len(v)-3], 60
			default:
				return nil, fmt.Errorf("%s: invalid rate \"%s\"", d.Pos, a)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%s: invalid rate \"%s\"", d.Pos, a)
			}
			zone.rate = n * 1000 / per
		case a == "sync":
		default:
			return nil, fmt.Errorf("%s: invalid parameter \"%s\"", d.Pos, a)
		}
	}
	if zone.name == "" {
		return nil, fmt.Errorf("%s: \"limit_req_zone\" must have \"zone\" parameter", d.Pos)
	}
	if zone.rate == 0 {
		zone.rate = 1000 // nginx's default: 1r/s
	}
	return zone, nil
}

// reqLimit is one limit_req of a location: its zone, burst and delay
// threshold (thousandths).
type reqLimit struct {
	zone         *reqZone
	burst, delay int64
}

// reqLimitsConf is the limit_req settings of a location.
type reqLimitsConf struct {
	limits   []reqLimit
	status   int
	logLevel int
	dryRun   bool
}

// reqLimitsAt reads the limit_req settings at levels (nil: none), with
// zones from z; a limit_req nginx would refuse is an error.
func (z *limitZones) reqLimitsAt(levels []*nginx.Directive) (*reqLimitsConf, error) {
	ds := nginx.Effective(levels, "limit_req")
	if len(ds) == 0 {
		return nil, nil
	}
	c := &reqLimitsConf{status: http.StatusServiceUnavailable, logLevel: logErr, dryRun: flagOn(levels, "limit_req_dry_run")}
	if d := nearest(levels, "limit_req_status"); d != nil {
		if n, err := strconv.Atoi(d.Arg(0)); err == nil && n >= 400 && n <= 599 {
			c.status = n
		}
	}
	if d := nearest(levels, "limit_req_log_level"); d != nil {
		if l, ok := logLevelNames[d.Arg(0)]; ok {
			c.logLevel = l
		}
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, d := range ds {
		var l reqLimit
		nodelay := false
		for _, a := range d.Args {
			switch {
			case strings.HasPrefix(a, "zone="):
				l.zone = z.req[a[5:]]
				if l.zone == nil {
					return nil, fmt.Errorf("%s: unknown limit_req_zone \"%s\"", d.Pos, a[5:])
				}
			case strings.HasPrefix(a, "burst="):
				n, err := strconv.ParseInt(a[6:], 10, 64)
				if err != nil || n <= 0 {
					return nil, fmt.Errorf("%s: invalid burst value \"%s\"", d.Pos, a)
				}
				l.burst = n * 1000
			case strings.HasPrefix(a, "delay="):
				n, err := strconv.ParseInt(a[6:], 10, 64)
				if err != nil || n <= 0 {
					return nil, fmt.Errorf("%s: invalid delay \"%s\"", d.Pos, a)
				}
				l.delay = n * 1000
			case a == "nodelay":
				nodelay = true
			default:
				return nil, fmt.Errorf("%s: invalid parameter \"%s\"", d.Pos, a)
			}
		}
		if l.zone == nil {
			return nil, fmt.Errorf("%s: \"limit_req\" must have \"zone\" parameter", d.Pos)
		}
		if nodelay {
			l.delay = 1 << 62 // NGX_MAX_INT_T_VALUE / 1000, in thousandths
		}
		c.limits = append(c.limits, l)
	}
	return c, nil
}

// The values of $limit_req_status.
const (
	limitPassed        = "PASSED"
	limitDelayed       = "DELAYED"
	limitRejected      = "REJECTED"
	limitDelayedDryRun = "DELAYED_DRY_RUN"
	limitRejectedDry   = "REJECTED_DRY_RUN"
)

// limitReq is ngx_http_limit_req_handler for rq in a location with the
// settings c: once per request; refused is true when rq was answered
// (limit_req_status, through error_page). A delay is waited here.
func (h *Handler) limitReq(w http.ResponseWriter, rq *request, l *nginx.Location, lc *locConf) (step, bool) {
	c, m := lc.limitReq, rq.mainRequest()
	if c == nil || m.limitReqStatus != "" {
		return step{}, false
	}
	z := h.zones
	z.mu.Lock()
	var pending []*reqNode // the nodes of the limits before the last, counted
	rc, excess := "declined", int64(0)
	var limit *reqLimit
	n := 0
	for ; n < len(c.limits); n++ {
		limit = &c.limits[n]
		z.mu.Unlock()
		key := h.expand(rq, limit.zone.key)
		z.mu.Lock()
		if key == "" || len(key) > 65535 {
			pending = append(pending, nil)
			continue
		}
		var node *reqNode
		rc, excess, node = limit.zone.lookup(z.now(), key, limit.burst, n == len(c.limits)-1, excess)
		pending = append(pending, node)
		if rc != "again" {
			break
		}
	}
	if rc == "declined" {
		z.mu.Unlock()
		return step{}, false
	}
	if rc == "busy" || rc == "error" {
		for _, node := range pending[:n] {
			if node != nil {
				node.count--
			}
		}
		z.mu.Unlock()
		if rc == "busy" {
			h.logError(rq, lc, c.logLevel, nil, fmt.Sprintf("%slimiting requests, excess: %d.%03d by zone \"%s\"",
				dryRunText(c.dryRun), excess/1000, excess%1000, limit.zone.name))
		} else {
			h.logError(rq, lc, logAlert, nil, fmt.Sprintf("could not allocate node in limit_req zone \"%s\"", limit.zone.name))
		}
		if c.dryRun {
			m.limitReqStatus = limitRejectedDry
			return step{}, false
		}
		m.limitReqStatus = limitRejected
		return h.fail(w, rq, c.status, l), true
	}
	if rc == "again" {
		excess = 0
	}
	delay := c.account(z, pending, min(n, len(c.limits)), &excess, &limit)
	z.mu.Unlock()
	if delay == 0 {
		m.limitReqStatus = limitPassed
		return step{}, false
	}
	h.logError(rq, lc, min(c.logLevel+1, logDebug), nil, fmt.Sprintf("%sdelaying request, excess: %d.%03d, by zone \"%s\"",
		dryRunText(c.dryRun), excess/1000, excess%1000, limit.zone.name))
	if c.dryRun {
		m.limitReqStatus = limitDelayedDryRun
		return step{}, false
	}
	m.limitReqStatus = limitDelayed
	time.Sleep(time.Duration(delay) * time.Millisecond)
	return step{}, false
}

func dryRunText(on bool) string {
	if on {
		return "dry run, "
	}
	return ""
}

// lookup is ngx_http_limit_req_lookup: the key's state counts one request
// more at now. "busy": over burst; "ok": counted (account, the last
// limit); "again": counted later by account (node returned); "error": the
// zone is full of states in use. A new key leaves excess as it was.
func (zone *reqZone) lookup(now int64, key string, burst int64, account bool, excess int64) (string, int64, *reqNode) {
	if e, ok := zone.nodes[key]; ok {
		zone.lru.MoveToFront(e)
		node := e.Value.(*reqNode)
		ms := now - node.last
		if ms < -60000 {
			ms = 1
		} else if ms < 0 {
			ms = 0
		}
		excess := max(node.excess-zone.rate*ms/1000+1000, 0)
		if excess > burst {
			return "busy", excess, nil
		}
		if account {
			node.excess = excess
			if ms != 0 {
				node.last = now
			}
			return "ok", excess, nil
		}
		node.count++
		return "again", excess, node
	}
	zone.expire(now, 1)
	if len(zone.nodes) >= max(zone.max, 1) {
		zone.expire(now, 0)
		if len(zone.nodes) >= max(zone.max, 1) {
			return "error", excess, nil
		}
	}
	node := &reqNode{key: key}
	zone.nodes[key] = zone.lru.PushFront(node)
	if account {
		node.last = now
		return "ok", excess, nil
	}
	node.count = 1 // last 0: account finds it drained
	return "again", excess, node
}

// expire is ngx_http_limit_req_expire: up to two of the least recently
// used states go when nothing is counting on them and they have drained
// (n = 1), or the first one in any case (n = 0, the zone is full).
func (zone *reqZone) expire(now int64, n int) {
	for n < 3 {
		e := zone.lru.Back()
		if e == nil {
			return
		}
		node := e.Value.(*reqNode)
		if node.count != 0 {
			return // the states are in use order: none further back is free
		}
		if n != 0 {
			ms := now - node.last
			if ms < 0 {
				ms = -ms
			}
			if ms < 60000 {
				return
			}
			if node.excess-zone.rate*ms/1000 > 0 {
				return
			}
		}
		n++
		zone.lru.Remove(e)
		delete(zone.nodes, node.key)
	}
}

// account is ngx_http_limit_req_account: the limits before the n-th
// (pending holds their nodes) count the request now; the delay is the
// longest any of them (or the n-th, whose excess is given) asks for.
func (c *reqLimitsConf) account(z *limitZones, pending []*reqNode, n int, excess *int64, limit **reqLimit) int64 {
	var maxDelay int64
	if *excess > (*limit).delay {
		maxDelay = (*excess - (*limit).delay) * 1000 / (*limit).zone.rate
	}
	for n--; n >= 0; n-- {
		node := pending[n]
		if node == nil {
			continue
		}
		zone := c.limits[n].zone
		now := z.now()
		ms := now - node.last
		if ms < -60000 {
			ms = 1
		} else if ms < 0 {
			ms = 0
		}
		e := max(node.excess-zone.rate*ms/1000+1000, 0)
		if ms != 0 {
			node.last = now
		}
		node.excess = e
		node.count--
		if e <= c.limits[n].delay {
			continue
		}
		if delay := (e - c.limits[n].delay) * 1000 / zone.rate; delay > maxDelay {
			maxDelay, *excess, *limit = delay, e, &c.limits[n]
		}
	}
	return maxDelay
}
