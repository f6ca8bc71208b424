package realnginx

import (
	"net"
	"testing"
)

// ServeRaw accepts connections on a free 127.0.0.1 port until the test
// ends and hands each to serve in a goroutine of its own (serve closes
// it); it returns the address. The tests' scripted apps and servers that
// must write bytes net/http would not are built on it.
func ServeRaw(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln.Addr().String()
}
