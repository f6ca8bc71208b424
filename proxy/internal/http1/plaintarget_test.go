//go:build unix

package http1

import (
	"math/rand/v2"
	"testing"

	"github.com/xaccel/xaccel/nginx"
)

// TestPlainTargetNeverRefused: a target plainTarget lets through without
// normalizing it is one NormalizeRequestTarget accepts, with and without
// merge_slashes, over random targets drawn from the bytes that matter
// (escapes, dots, slashes, backslashes, controls, '?' and '#').
func TestPlainTargetNeverRefused(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("/./.?%00%2e%2f%zz\\#aZ9-_~!$&'()*+,;=:@ \t\x7f\x80")
	plain := 0
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+r.IntN(12))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		target := string(b)
		if !plainTarget(target) {
			continue
		}
		plain++
		for _, merge := range []bool{true, false} {
			if _, _, err := nginx.NormalizeRequestTarget(target, merge); err != nil {
				t.Fatalf("plainTarget(%q) but NormalizeRequestTarget refuses it (merge_slashes %v): %v", target, merge, err)
			}
		}
	}
	if plain < 1000 {
		t.Fatalf("only %d plain targets drawn: the test proves little", plain)
	}
	for _, target := range []string{"/download/f.bin", "/a?b=c&d", "/"} {
		if !plainTarget(target) {
			t.Errorf("plainTarget(%q) = false, want true", target)
		}
	}
	for _, target := range []string{"/a/../b", "/.%2e/", "//a", "/a%00", "/a\\b", "*", "http://x/", "/a#b", "/a b"} {
		if plainTarget(target) {
			t.Errorf("plainTarget(%q) = true, want false", target)
		}
	}
}
