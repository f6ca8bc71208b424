package nginx

// blockDirectives are the core directives that take a block; nginx refuses
// them without one ("has no opening {").
var blockDirectives = map[string]bool{
	"http": true, "events": true, "server": true, "location": true, "upstream": true,
	"if": true, "map": true, "geo": true, "types": true, "limit_except": true,
	"split_clients": true, "stream": true, "mail": true, "charset_map": true, "match": true,
}

// simpleDirectives are common core directives that never take a block;
// nginx refuses them with one ("is not terminated by ;").
var simpleDirectives = map[string]bool{
	"root": true, "alias": true, "internal": true, "add_header": true, "proxy_pass": true,
	"return": true, "rewrite": true, "try_files": true, "include": true, "listen": true,
	"server_name": true, "index": true, "expires": true, "default_type": true,
}

var locationModifiers = map[string]bool{"=": true, "^~": true, "~": true, "~*": true}

// check reports the structural errors nginx -t makes that the scanner
// cannot see on its own.
func (l *loader) check() {
	var walk func(d *Directive)
	walk = func(d *Directive) {
		for _, c := range d.Block {
			l.checkOne(c, d)
			if c.IsBlock && !c.Opaque {
				walk(c)
			}
		}
	}
	walk(l.cfg.Root)
}

func (l *loader) checkOne(d, parent *Directive) {
	inUpstream := parent != nil && parent.Name == "upstream"
	switch {
	case blockDirectives[d.Name] && !d.IsBlock && !(d.Name == "server" && inUpstream):
		l.errorf(d.Pos, "directive %q has no opening \"{\"", d.Name)
		return
	case simpleDirectives[d.Name] && d.IsBlock:
		l.errorf(d.Pos, "directive %q is not terminated by \";\"", d.Name)
		return
	}
	switch d.Name {
	case "location":
		switch len(d.Args) {
		case 1:
		case 2:
			if !locationModifiers[d.Args[0]] {
				l.errorf(d.Pos, "invalid location modifier %q (expected =, ^~, ~ or ~*)", d.Args[0])
			}
		default:
			l.errorf(d.Pos, "invalid number of arguments in \"location\" directive")
		}
		if p := parent; p != nil && p.Name != "server" && p.Name != "location" && p.Name != "" {
			l.errorf(d.Pos, "\"location\" directive is not allowed here (inside %q)", p.Name)
		}
	case "internal":
		if len(d.Args) != 0 {
			l.errorf(d.Pos, "invalid number of arguments in \"internal\" directive: it takes none")
		}
		if parent == nil || parent.Name != "location" {
			l.errorf(d.Pos, "\"internal\" directive is not allowed here: it belongs in a location")
		}
	case "alias":
		if len(d.Args) != 1 {
			l.errorf(d.Pos, "invalid number of arguments in \"alias\" directive")
		}
	case "root":
		if len(d.Args) != 1 {
			l.errorf(d.Pos, "invalid number of arguments in \"root\" directive")
		}
	}
}
