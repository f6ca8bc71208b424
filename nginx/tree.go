package nginx

import (
	"strings"
)

// Directive is one statement of the configuration, simple or block, with
// the position where it starts. Included files are spliced into the block
// that holds the `include`, right after it, as nginx reads them; each
// directive keeps the position in its own file.
type Directive struct {
	Name     string
	Args     []string // values after nginx's unquoting and unescaping
	RawArgs  []string // as written, quotes included
	ArgPos   []Pos
	Pos      Pos // start of the directive name
	End      Pos // the ';' or '{' that ends the statement head
	BlockEnd Pos // the '}' closing the block, for block directives
	IsBlock  bool
	Opaque   bool // a *_by_lua_block whose body is not nginx syntax
	Block    []*Directive
	Parent   *Directive // nil at the top level of the main file

	// byName indexes Block by directive name for big blocks (an http{}
	// with thousands of servers), so Find and First do not scan it.
	// Built by indexBlocks once the tree is final.
	byName map[string][]*Directive
}

// indexMin is the block size from which Find and First use the index.
const indexMin = 16

// indexBlocks builds the by-name index of every big block under d.
func (d *Directive) indexBlocks() {
	if len(d.Block) >= indexMin {
		d.byName = make(map[string][]*Directive)
		for _, c := range d.Block {
			d.byName[c.Name] = append(d.byName[c.Name], c)
		}
	}
	for _, c := range d.Block {
		if c.IsBlock {
			c.indexBlocks()
		}
	}
}

// Arg returns argument i or "".
func (d *Directive) Arg(i int) string {
	if i < len(d.Args) {
		return d.Args[i]
	}
	return ""
}

// Find returns the direct children called name.
func (d *Directive) Find(name string) []*Directive {
	if d.byName != nil {
		return d.byName[name]
	}
	var out []*Directive
	for _, c := range d.Block {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// First returns the first direct child called name, or nil.
func (d *Directive) First(name string) *Directive {
	if d.byName != nil {
		if ds := d.byName[name]; len(ds) > 0 {
			return ds[0]
		}
		return nil
	}
	for _, c := range d.Block {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Walk calls fn for d's descendants in document order; fn returning false
// skips a directive's block.
func (d *Directive) Walk(fn func(*Directive) bool) {
	for _, c := range d.Block {
		if fn(c) {
			c.Walk(fn)
		}
	}
}

// File is one configuration file that was read.
type File struct {
	Path     string // as given on the command line, or as named by include or a dump
	Src      []byte
	Comments []Comment
	// Stock is set for a stand-in of a missing stock file (see
	// MissingInclude): it is not on disk.
	Stock bool
}

// Config is a loaded configuration: a main file with its includes, a
// fragment (server or location blocks at the top level), or an `nginx -T` dump.
type Config struct {
	Path    string
	Kind    Kind
	Files   []*File
	Root    *Directive // the main context; for fragments, holds the synthetic wrapper
	Servers []*Server  // every http server block, in order
	Errors  []*SyntaxError
	// Missing are the includes whose files are not there, when the load
	// allows it (LoadOptions.AllowMissing).
	Missing []*MissingInclude
}

// Kind says what a loaded input was.
type Kind int

const (
	KindMain Kind = iota
	KindHTTPFragment
	KindServerFragment
	KindDump
)

func (k Kind) String() string {
	switch k {
	case KindHTTPFragment:
		return "fragment (server blocks)"
	case KindServerFragment:
		return "fragment (location blocks)"
	case KindDump:
		return "nginx -T dump"
	}
	return "main configuration"
}

// Server is one `server {}` of the http context.
type Server struct {
	Dir       *Directive
	HTTP      *Directive // the enclosing http block (synthetic for fragments)
	Locations []*Location
	Names     []string
	Synthetic bool // made up to hold a fragment of locations
}

// Location is one `location {}` with its parsed match.
type Location struct {
	Dir      *Directive
	Modifier string // "", "=", "^~", "~", "~*" or "@"
	Match    string
	Re       *Regexp // for ~ and ~*; nil if it failed to compile (see ReErr)
	ReErr    error
	Parent   *Location
	Server   *Server
	Children []*Location

	internal *Directive // the `internal;` that applies, own or inherited
}

// IsRegex reports whether the location is a regex location.
func (l *Location) IsRegex() bool { return l.Modifier == "~" || l.Modifier == "~*" }

// IsPrefix reports whether the location is a prefix location (plain or ^~).
func (l *Location) IsPrefix() bool { return l.Modifier == "" || l.Modifier == "^~" }

// String is how the location is written: `location ^~ /media/`.
func (l *Location) String() string {
	if l.Modifier == "" {
		return "location " + l.Match
	}
	if l.Modifier == "@" {
		return "location " + l.Match
	}
	return "location " + l.Modifier + " " + l.Match
}

// AllLocations returns every location of the server, nested ones included,
// in document order.
func (s *Server) AllLocations() []*Location {
	var out []*Location
	var walk func([]*Location)
	walk = func(ls []*Location) {
		for _, l := range ls {
			out = append(out, l)
			walk(l.Children)
		}
	}
	walk(s.Locations)
	return out
}

// buildServers finds the http servers and their locations.
func (c *Config) buildServers() {
	c.Root.indexBlocks()
	var visit func(d *Directive, http *Directive)
	visit = func(d *Directive, http *Directive) {
		for _, ch := range d.Block {
			switch {
			case ch.Name == "http" && ch.IsBlock:
				visit(ch, ch)
			case ch.Name == "server" && ch.IsBlock && http != nil:
				c.Servers = append(c.Servers, newServer(ch, http, false))
			case ch.Name == "stream" || ch.Name == "mail" || ch.Name == "events":
				// not http
			case ch.IsBlock && ch.Name != "upstream" && ch.Name != "location":
				visit(ch, http)
			}
		}
	}
	visit(c.Root, nil)
}

func newServer(d, http *Directive, synthetic bool) *Server {
	s := &Server{Dir: d, HTTP: http, Synthetic: synthetic}
	for _, n := range d.Find("server_name") {
		s.Names = append(s.Names, n.Args...)
	}
	s.Locations = locationsIn(d, s, nil)
	return s
}

func locationsIn(d *Directive, s *Server, parent *Location) []*Location {
	var out []*Location
	for _, ch := range d.Block {
		if ch.Name != "location" || !ch.IsBlock {
			continue
		}
		l := newLocation(ch, s, parent)
		if l == nil {
			continue
		}
		l.internal = ch.First("internal")
		if l.internal == nil && parent != nil {
			l.internal = parent.internal
		}
		l.Children = locationsIn(ch, s, l)
		out = append(out, l)
	}
	return out
}

func newLocation(d *Directive, s *Server, parent *Location) *Location {
	l := &Location{Dir: d, Server: s, Parent: parent}
	switch len(d.Args) {
	case 1:
		// nginx accepts the modifier glued to the name: `location =/x`,
		// `location ^~/x`, `location ~^/x`, `location ~*^/x`, `location @x`.
		// It looks at the value after unquoting, so `location "=/x"` is
		// exact too, and the name may be empty: `location ~` is a regex
		// matching every URI, `location ^~` a prefix matching every URI
		// (ngx_http_core_location; checked against nginx 1.22.1).
		a := d.Args[0]
		switch {
		case strings.HasPrefix(a, "="):
			l.Modifier, l.Match = "=", a[1:]
		case strings.HasPrefix(a, "^~"):
			l.Modifier, l.Match = "^~", a[2:]
		case strings.HasPrefix(a, "~*"):
			l.Modifier, l.Match = "~*", a[2:]
		case strings.HasPrefix(a, "~"):
			l.Modifier, l.Match = "~", a[1:]
		case strings.HasPrefix(a, "@"):
			l.Modifier, l.Match = "@", a
		default:
			l.Match = a
		}
	case 2:
		l.Modifier, l.Match = d.Args[0], d.Args[1]
	default:
		return nil
	}
	if l.IsRegex() {
		l.Re, l.ReErr = CompileRegex(l.Match, l.Modifier == "~*")
	}
	return l
}

// PickServer is the server block that answers a request whose Host names
// none of them: with name, the one whose server_name is name (nil when
// none is); otherwise the first with default_server on a listen, or the
// first server. nil when there are no servers.
func (c *Config) PickServer(name string) *Server {
	if len(c.Servers) == 0 {
		return nil
	}
	if name != "" {
		for _, s := range c.Servers {
			for _, n := range s.Names {
				if n == name {
					return s
				}
			}
		}
		return nil
	}
	for _, s := range c.Servers {
		for _, l := range s.Dir.Find("listen") {
			for _, a := range l.Args[min(1, len(l.Args)):] {
				if a == "default_server" || a == "default" {
					return s
				}
			}
		}
	}
	return c.Servers[0]
}
