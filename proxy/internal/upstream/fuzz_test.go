//go:build unix

package upstream

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// FuzzUpstreamHeader feeds arbitrary bytes to the reader of an app's
// response header: it never panics, and a header it accepts has nothing
// that could break the client's response apart: no CR, LF or NUL in a
// name or value, no space, colon or control byte in a name.
func FuzzUpstreamHeader(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nX-Foo : bar\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
		"HTTP/1.1 200 OK\r\nHTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Accel-Redirect: /p/a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\r\n\r\n",
		"HTTP/1.0 999 x\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := readHeader(bufio.NewReader(bytes.NewReader(b)), 4096)
		if err != nil {
			return
		}
		if resp.Status < 100 || resp.Status > 999 {
			t.Fatalf("status %d", resp.Status)
		}
		for _, hl := range resp.Lines {
			if hl.Name == "" && hl.Value != "" {
				t.Fatalf("a value without a name: %q", hl.Value)
			}
			if strings.ContainsAny(hl.Name, " \t\r\n\x00:\x7f") || strings.ContainsFunc(hl.Name, func(r rune) bool { return r < 0x20 }) {
				t.Fatalf("name %q reaches the client", hl.Name)
			}
			if strings.ContainsAny(hl.Value, "\r\n\x00") {
				t.Fatalf("value %q of %q reaches the client", hl.Value, hl.Name)
			}
		}
	})
}
