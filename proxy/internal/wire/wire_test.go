//go:build unix

package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseDigits(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int64
		okay bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false}, {"", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"1x", 0, false},
	} {
		n, ok := ParseDigits(c.in)
		if n != c.n || ok != c.okay {
			t.Errorf("ParseDigits(%q) = %d, %v; want %d, %v", c.in, n, ok, c.n, c.okay)
		}
	}
}

// TestChunked: the body ends after the trailer's empty line, and what
// follows is left for the next message; a body cut before that line, or
// a trailer over the bound, is an error.
func TestChunked(t *testing.T) {
	for _, c := range []struct {
		name, in, body, rest string
		err                  error
	}{
		{"plain", "3\r\nabc\r\n0\r\n\r\nNEXT", "abc", "NEXT", nil},
		{"trailer", "3\r\nabc\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\nNEXT", "abc", "NEXT", nil},
		{"cut before the empty line", "3\r\nabc\r\n0\r\n", "abc", "", io.ErrUnexpectedEOF},
		{"cut in the trailer", "3\r\nabc\r\n0\r\nX-T: 1\r\n", "abc", "", io.ErrUnexpectedEOF},
		{"trailer too large", "3\r\nabc\r\n0\r\nX-T: " + strings.Repeat("a", 100) + "\r\n\r\n", "abc", "", errors.New("chunked body trailer too large")},
	} {
		t.Run(c.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(c.in))
			body, err := io.ReadAll(NewChunked(br, 64))
			if string(body) != c.body {
				t.Errorf("body %q, want %q", body, c.body)
			}
			switch {
			case c.err == nil && err != nil:
				t.Fatalf("error %v", err)
			case c.err != nil && (err == nil || err.Error() != c.err.Error()):
				t.Fatalf("error %v, want %v", err, c.err)
			}
			rest, _ := io.ReadAll(br)
			if c.err == nil && string(rest) != c.rest {
				t.Errorf("left %q, want %q", rest, c.rest)
			}
		})
	}
}
