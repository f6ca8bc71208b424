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

// TestChunkedAvailable: what Read can give without waiting, from what is
// buffered, and reading that much does not wait.
func TestChunkedAvailable(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		done bool
	}{
		{"", 0, false},
		{"5\r\n012", 3, false},
		{"5\r\n01234\r\n", 5, false},
		{"5\r\n01234\r\n4;ext=1\r\nmany\r\n", 9, false},
		{"5\r\n01234\r\n0\r\n", 4, false},
		{"5\r\n01234\r\n0\r\nX-T: 1\r\n", 4, false},
		{"5\r\n01234\r\n0\r\n\r\n", 5, true},
		{"5\r\n01234\r\n0\r\nX-T: 1\r\n\r\n", 5, true},
		{"5\r\n01234\r\n4", 5, false},
		{"zz\r\n", 0, false},
	} {
		pr, pw := io.Pipe()
		go func() { io.WriteString(pw, c.in) }()
		br := bufio.NewReaderSize(pr, 64)
		if c.in != "" {
			br.Peek(len(c.in))
		}
		ch := NewChunked(br, 1024)
		n, done := ch.Available()
		if n != c.n || done != c.done {
			t.Errorf("%q: Available() = %d, %v; want %d, %v", c.in, n, done, c.n, c.done)
		}
		if n > 0 {
			got, err := io.ReadFull(ch, make([]byte, n))
			if got != n || err != nil {
				t.Errorf("%q: reading the %d available bytes: %d, %v", c.in, n, got, err)
			}
			if m, _ := ch.Available(); m != 0 {
				t.Errorf("%q: Available after Read = %d, want 0", c.in, m)
			}
		}
		pw.Close()
	}
}

// TestChunkedMalformed: broken framing in what is buffered is found
// without waiting; what is merely incomplete is not broken.
func TestChunkedMalformed(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"4\r\nSEE-THIS\r\n0\r\n\r\n", true}, {"4\r\nSEE-\r\n0\r\n\r\n", false},
		{"zz\r\n", true}, {"4\r\nSE", false}, {"4\r\nSEE-\r", false}, {"4;x=1\nSEE-\n0\n\n", false},
		{"4\r\nSEE-X", true},
	} {
		pr, pw := io.Pipe()
		go func() { io.WriteString(pw, c.in) }()
		br := bufio.NewReaderSize(pr, 64)
		if c.in != "" {
			br.Peek(len(c.in))
		}
		if got := NewChunked(br, 1024).Malformed(); got != c.want {
			t.Errorf("%q: Malformed() = %v, want %v", c.in, got, c.want)
		}
		pw.Close()
	}
}
