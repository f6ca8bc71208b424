//go:build unix

package cmd

import "testing"

func TestValidUpstreamURL(t *testing.T) {
	for v, want := range map[string]bool{
		"http://127.0.0.1:8000": true, "http://app:8000/base": true, "127.0.0.1:9000": true, "[::1]:9000": true,
		"unix:/run/php/php-fpm.sock": true, "unix:./php-fpm.sock": true,
		"": false, "http://": false, "unix:": false, "https://127.0.0.1:8000": false, "127.0.0.1": false, ":9000": false,
	} {
		if got := validUpstreamURL(v); got != want {
			t.Errorf("validUpstreamURL(%q) = %v, want %v", v, got, want)
		}
	}
}
