//go:build unix

package proxy

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/nginx"
)

// BenchmarkXAccelRedirect measures one X-Accel-Redirect download end to
// end in process: client -> handler -> app (X-Accel-Redirect) -> 4 KiB
// file. bench/serve.sh compares the binary with real nginx.
func BenchmarkXAccelRedirect(b *testing.B) {
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "f.bin"), make([]byte, 4096), 0o644); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Accel-Redirect", "/protected/f.bin")
	})}
	go app.Serve(ln)
	defer app.Close()
	conf := "http { server { listen 127.0.0.1:8080; location /download/ { proxy_pass http://" + ln.Addr().String() + "; } location ^~ /protected/ { internal; alias " + dir + "/files/; add_header X-Content-Type-Options nosniff always; } } }"
	cfg := nginx.LoadBytes("b.conf", []byte(conf), nginx.LoadOptions{Prefix: dir})
	h, _, err := New(cfg, Options{})
	b.ReportAllocs()
	if err != nil {
		b.Fatal(err)
	}
	srvURL := "http://" + serveHandler(b, h)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(srvURL + "/download/f.bin")
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if n != 4096 || !strings.HasPrefix(resp.Status, "200") {
				b.Fatal(resp.Status)
			}
		}
	})
}
