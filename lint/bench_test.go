package lint_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xaccel/xaccel/internal/benchgen"
	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

// TestGeneratedConfigIsClean checks that the benchmark configuration is a
// correct setup: it loads without errors, every server is found, and no
// rule fires on it (also with /media/ declared protected).
func TestGeneratedConfigIsClean(t *testing.T) {
	const n = 50
	src := benchgen.Config(n)
	cfg := nginx.LoadBytes("bench.conf", src, nginx.LoadOptions{Prefix: t.TempDir()})
	for _, e := range cfg.Errors {
		t.Errorf("load error: %v", e)
	}
	if cfg.Kind != nginx.KindMain {
		t.Errorf("Kind = %v, want %v", cfg.Kind, nginx.KindMain)
	}
	if len(cfg.Servers) != n {
		t.Fatalf("got %d servers, want %d", len(cfg.Servers), n)
	}
	for i, s := range cfg.Servers {
		if got := len(s.AllLocations()); got != 3 {
			t.Errorf("server %d: %d locations, want 3", i, got)
		}
	}
	for _, opts := range []lint.Options{{}, {Protect: []string{"/media/"}}} {
		for _, f := range lint.Run(cfg, opts) {
			t.Errorf("options %+v: unexpected finding %v [%s] %s", opts, f.Pos, f.Rule, f.Message)
		}
	}
}

// TestGeneratedConfigPassesNginx checks the benchmark configuration with
// real `nginx -t`, so bench/lint.sh compares both tools on a config that
// both accept.
func TestGeneratedConfigPassesNginx(t *testing.T) {
	realnginx.Require(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "bench.conf")
	if err := os.WriteFile(conf, benchgen.Config(50), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, out := realnginx.Check(conf, dir); !ok {
		t.Fatalf("nginx -t rejects the generated config:\n%s", out)
	}
}

func benchmarkLint(b *testing.B, servers int) {
	src := benchgen.Config(servers)
	prefix := b.TempDir()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cfg := nginx.LoadBytes("bench.conf", src, nginx.LoadOptions{Prefix: prefix})
		if fs := lint.Run(cfg, lint.Options{}); len(fs) != 0 || len(cfg.Errors) != 0 {
			b.Fatalf("%d servers: %d findings, %d errors; the generated config must lint clean", servers, len(fs), len(cfg.Errors))
		}
	}
	b.ReportMetric(float64(servers), "servers")
}

func BenchmarkLint1k(b *testing.B)  { benchmarkLint(b, 1000) }
func BenchmarkLint10k(b *testing.B) { benchmarkLint(b, 10000) }

// BenchmarkLintScaling runs the same work at growing sizes, to see how
// the time per server grows (it should stay flat).
func BenchmarkLintScaling(b *testing.B) {
	for _, n := range []int{100, 1000, 3000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchmarkLint(b, n) })
	}
}

// oneServerConfig is one server with n of each kind of location the
// exposure analysis pairs with the others: prefix locations over try_files,
// aliases, internal areas, and regex locations whose rewrite leads into
// one of them.
func oneServerConfig(n int) []byte {
	var b []byte
	b = append(b, "events {}\nhttp {\nserver {\n listen 80;\n root /srv/www;\n"...)
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		b = append(b, " location /a"+s+"/ { try_files $uri @app; }\n"...)
		b = append(b, " location /m"+s+"/ { alias /srv/media/m"+s+"/; }\n"...)
		b = append(b, " location ^~ /prot"+s+"/ { internal; alias /srv/prot/"+s+"/; }\n"...)
		b = append(b, " location ~ ^/x"+s+"/(.*)$ { rewrite ^/x"+s+"/(.*)$ /prot"+s+"/$1 last; }\n"...)
	}
	b = append(b, " location @app { proxy_pass http://127.0.0.1:8000; }\n}\n}\n"...)
	return b
}

// BenchmarkLintOneServer1k lints one server with 4,000 locations: the
// analysis pairs locations within a server, so this is where quadratic
// work would show (it did: 18 s for 1,500 of each before the pairs that
// cannot meet were skipped).
func BenchmarkLintOneServer1k(b *testing.B) {
	src := oneServerConfig(1000)
	prefix := b.TempDir()
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg := nginx.LoadBytes("one.conf", src, nginx.LoadOptions{Prefix: prefix})
		if n := len(lint.Run(cfg, lint.Options{})); n != 3000 {
			b.Fatalf("%d findings, want 3000 (1,000 of each exposure)", n)
		}
	}
}
