//go:build unix

package proxy

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/nginx"
)

// TestEvaluatedVariablesMatchCode: the names evaluatedVariables and
// evaluatedSSL list are exactly the `case "name"` of the functions that
// evaluate variables, so that neither a new variable goes unlisted (and
// refused) nor the list claims one the code does not evaluate.
func TestEvaluatedVariablesMatchCode(t *testing.T) {
	funcs := map[string]map[string]string{ // file -> function -> prefix the names get
		"variables.go":     {"variable": ""},
		"accesslog.go":     {"logTime": ""},
		"upstream_vars.go": {"upVar": ""},
		"tls_vars.go":      {"sslVariable": "ssl_"},
	}
	inCode := map[string]bool{}
	for file, fns := range funcs {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			prefix, ok := fns[fd.Name.Name]
			if !ok {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				cc, ok := n.(*ast.CaseClause)
				if !ok {
					return true
				}
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						if s != "" && strings.ToLower(s) == s && !strings.ContainsAny(s, " -") {
							inCode[prefix+s] = true
						}
					}
				}
				return true
			})
		}
	}
	listed := map[string]bool{}
	for n := range evaluatedVariables {
		listed[n] = true
	}
	for n := range evaluatedSSL {
		listed[n] = true
	}
	var missing, extra []string
	for n := range inCode {
		// sslVariable's switch on the variable's part: "client_..." names
		// come with the prefix; other case strings are not variables.
		if !listed[n] && !strings.HasPrefix(n, "ssl_client_") {
			missing = append(missing, n)
		}
	}
	for n := range listed {
		if !inCode[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("evaluated in the code but not listed: %v\nlisted but not in the code: %v", missing, extra)
	}
}

// TestUnevaluatedVariables: an `if` that depends on a variable serve does
// not evaluate (directly, or through set, map or geo) refuses to start,
// naming it and the flag that allows it; other uses are listed; the
// variables serve evaluates or the configuration defines are neither.
func TestUnevaluatedVariables(t *testing.T) {
	load := func(src string) *nginx.Config {
		t.Helper()
		cfg := nginx.LoadBytes("v.conf", []byte(src), nginx.LoadOptions{})
		if len(cfg.Errors) > 0 {
			t.Fatal(cfg.Errors[0])
		}
		return cfg
	}
	refusedCases := []struct{ src, name string }{
		{`http { server { listen 8080; location / { if ($geoip_country_code = CN) { return 403; } } } }`, "$geoip_country_code"},
		{`http { map $geoip_country_code $big { default 0; "~^\d{6}" 1; } server { listen 8080; location / { if ($big) { return 413; } } } }`, "$geoip_country_code"},
		{`http { server { listen 8080; set $c "x$gzip_ratio"; location / { if ($c ~ 2026) { rewrite ^ /other; } } } }`, "$gzip_ratio"},
		{`http { geo $upstream_cache_status $g { default 1; } server { listen 8080; if ($g) { return 403; } } }`, "$upstream_cache_status"},
	}
	for _, c := range refusedCases {
		_, _, err := New(load(c.src), Options{})
		var ue *UnemulatedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), "--allow-unemulated '"+c.name+"'") || !strings.Contains(err.Error(), "v.conf:1:") {
			t.Errorf("%s: error %v, want a refusal naming %s with its position", c.src, err, c.name)
			continue
		}
		if _, warns, err := New(load(c.src), Options{AllowUnemulated: []string{c.name}}); err != nil || !hasWarning(warns, c.name) {
			t.Errorf("%s with --allow-unemulated %s: %v, warnings %v", c.src, c.name, err, warns)
		}
	}
	// Listed, not refused.
	_, warns, err := New(load(`http { server { listen 8080; location / { add_header X-L $upstream_cache_status; return 200 "$gzip_ratio"; } } }`), Options{})
	if err != nil || !hasWarning(warns, "$upstream_cache_status") || !hasWarning(warns, "$gzip_ratio") {
		t.Errorf("other uses: %v, warnings %v", err, warns)
	}
	// Neither: evaluated or defined variables, regex anchors, captures.
	clean := `http {
    map $http_x $m { default $arg_a; ~(?<part>\d+)$ $1; }
    geo $g { default 0; 10.0.0.0/8 1; }
    split_clients "$remote_addr" $s { 50% a; * b; }
    server { listen 8080; server_name ~^(?<sub>.+)\.example$;
        set $v "$uri$is_args$args";
        location ~ ^/x/(?<id>\d+)$ { if ($m$g$s$v$id$sub$part$ssl_protocol$http_foo$cookie_c$upstream_http_x$hostname$request_id = x) { return 403; } }
        location / { if ($invalid_referer) { return 403; } rewrite ^/(.*)$ /$1 break; }
    }
}`
	_, warns, err = New(load(clean), Options{})
	if err != nil {
		t.Fatalf("a configuration of evaluated variables is refused: %v", err)
	}
	for _, w := range warns {
		if strings.HasPrefix(w.Name, "$") {
			t.Errorf("warned about %s at %s", w.Name, w.Pos)
		}
	}
}

func hasWarning(warns []Warning, name string) bool {
	for _, w := range warns {
		if w.Name == name {
			return true
		}
	}
	return false
}
