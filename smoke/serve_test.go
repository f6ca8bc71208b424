//go:build unix

package smoke_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy"
	"github.com/xaccel/xaccel/smoke"
)

// TestMatrixAgainstServe runs the matrix against xaccel serve's handler,
// started in-process on loopback: the same configurations, app and files
// as TestMatrixAgainstNginx, and the same expected problems.
func TestMatrixAgainstServe(t *testing.T) {
	for _, c := range matrix {
		t.Run(c.name, func(t *testing.T) {
			backend := startApp(t, c.xar)
			prefix := writeFiles(t, matrixFiles)
			conf := filepath.Join(prefix, "nginx.conf")
			src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", prefix).Replace(confFor(c, backend))
			if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			addr := startServe(t, conf)
			rep := runSmoke(t, smoke.Options{Target: "http://" + addr, Config: conf, Via: []string{via()}})
			checkCase(t, c, rep)
		})
	}
}

// startServe serves conf with xaccel serve's handler on a free loopback
// port until the test ends.
func startServe(t *testing.T, conf string) string {
	t.Helper()
	cfg, err := nginx.Load(conf, nginx.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Errors) > 0 {
		t.Fatalf("config: %v", cfg.Errors[0])
	}
	h, _, err := proxy.New(cfg, proxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := proxy.NewServer(h)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// writeFiles writes files under a new temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
