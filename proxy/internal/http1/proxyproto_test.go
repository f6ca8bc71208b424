//go:build unix

package http1

import "testing"

// TestProxyHeaderInPieces: a PROXY protocol header that arrives a byte at a
// time asks for more until it is whole, then gives the same as in one
// piece; the request after it is left alone.
func TestProxyHeaderInPieces(t *testing.T) {
	for _, in := range []string{
		"PROXY TCP4 192.0.2.1 198.51.100.2 4000 443\r\n",
		"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\x0f\xa0\x01\xbb",
	} {
		whole := in + "GET / HTTP/1.1\r\n"
		want, wantUsed, need, err := parseProxyHeader([]byte(whole))
		if err != nil || need != 0 || wantUsed != len(in) || want.SrcAddr != "192.0.2.1" || want.DstPort != "443" {
			t.Fatalf("%q: %+v used %d need %d err %v", in, want, wantUsed, need, err)
		}
		for n := 0; n < len(in); n++ {
			_, _, need, err := parseProxyHeader([]byte(in[:n]))
			if err != nil || need <= 0 {
				t.Errorf("%q cut at %d: need %d, err %v; want a wait for more", in, n, need, err)
			}
		}
	}
	for _, in := range []string{"GET / HTTP/1.1\r\n", "PROXY TCP7 a b 1 2\r\n", "\r\n\r\n\x00\r\nQUIT\n\x11\x11\x00\x00"} {
		if _, _, _, err := parseProxyHeader([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
