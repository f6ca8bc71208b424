//go:build unix

package http1

import "testing"

func TestParseRequestLine(t *testing.T) {
	for _, c := range []struct {
		line   string
		method string
		target string
		minor  int
		status int
	}{
		{"GET / HTTP/1.1\r\n", "GET", "/", 1, 0},
		{"GET / HTTP/1.0\n", "GET", "/", 0, 0},
		{"PROP_FIND-X  /a?b   HTTP/1.12  \r\n", "PROP_FIND-X", "/a?b", 12, 0},
		{"GET / HTTP/1.999\r\n", "GET", "/", 999, 0},
		{"GET / HTTP/1.1000\r\n", "", "", 0, 400},
		{"GET / HTTP/2.0\r\n", "", "", 0, 505},
		{"GET / HTTP/11.0\r\n", "", "", 0, 505},
		{"GET / HTTP/0.9\r\n", "", "", 0, 400},
		{"GET /\r\n", "", "", 0, 400},
		{"GET / HTTP/1.\r\n", "", "", 0, 400},
		{"GET / HTTP/1.1x\r\n", "", "", 0, 400},
		{"GET / HTTP/1.1\r\r\n", "", "", 0, 400},
		{"get / HTTP/1.1\r\n", "", "", 0, 400},
		{" GET / HTTP/1.1\r\n", "", "", 0, 400},
		{"GET /a\x00b HTTP/1.1\r\n", "", "", 0, 400},
		{"GET /a\x7fb HTTP/1.1\r\n", "", "", 0, 400},
		{"GET  HTTP/1.1\r\n", "", "", 0, 400},
	} {
		rl, status := parseRequestLine([]byte(c.line))
		if status != c.status || status == 0 && (rl.method != c.method || rl.target != c.target || rl.minor != c.minor) {
			t.Errorf("%q: got %+v %d, want %s %s 1.%d %d", c.line, rl, status, c.method, c.target, c.minor, c.status)
		}
	}
}

func TestParseHeaderLine(t *testing.T) {
	for _, c := range []struct {
		line        string
		underscores bool
		name, value string
		invalid, ok bool
	}{
		{"host:  x.example  \r\n", false, "Host", "x.example", false, true},
		{"X-A:\ta\tb\t\r\n", false, "X-A", "\ta\tb\t", false, true},
		{"JustAName\r\n", false, "Justaname", "", false, true},
		{"X_A: 1\r\n", false, "X_a", "1", true, true},
		{"X_A: 1\r\n", true, "X_a", "1", false, true},
		{"X.A: 1\r\n", false, "X.a", "1", true, true},
		{": 1\r\n", false, "", "", false, false},
		{"X A: 1\r\n", false, "", "", false, false},
		{" X: 1\r\n", false, "", "", false, false},
		{"X: a\x00b\r\n", false, "", "", false, false},
		{"X: a\rb\r\n", false, "", "", false, false},
	} {
		hl, ok := parseHeaderLine([]byte(c.line), c.underscores)
		if ok != c.ok || ok && (hl.name != c.name || hl.value != c.value || hl.invalid != c.invalid) {
			t.Errorf("%q: got %+v %v, want %q %q invalid=%v ok=%v", c.line, hl, ok, c.name, c.value, c.invalid, c.ok)
		}
	}
}
