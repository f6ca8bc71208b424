package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// LoadOptions controls how a configuration is read.
type LoadOptions struct {
	// Prefix is the directory relative include paths are resolved against
	// (nginx's configuration prefix). Default: the main file's directory.
	Prefix string
	// Stdin is read when the path is "-".
	Stdin io.Reader
	// AllowMissing reads a configuration whose non-glob includes are
	// missing, as a repository copy often is: each one is recorded in
	// Config.Missing instead of Config.Errors, and the rest is read. One
	// that names a stock file of packaged nginx (mime.types,
	// fastcgi_params, ...) gets a stand-in (see stockFiles). Without it a
	// missing include is an error, as in nginx.
	AllowMissing bool
	// Root maps absolute include paths into a directory, as a chroot
	// would: with Root "deploy", include /etc/nginx/conf.d/*.conf reads
	// deploy/etc/nginx/conf.d/*.conf.
	Root string
	// Overlay lays files over the file system: a file named here is read
	// from this content instead of from the disk, also when the disk has
	// no such file (an include glob then matches it too). Names are paths
	// as the operating system takes them (relative ones from the working
	// directory), or, for an `nginx -T` dump, the names the dump gives its
	// files. lint --fix loads its edited text this way before it writes it.
	Overlay map[string][]byte
}

// InputError is an input that cannot be read at all (the main file is
// missing, a directory, unreadable). Problems inside the configuration are
// reported as Config.Errors instead.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("cannot read %s: %v", e.Path, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// maxIncludeDepth bounds include nesting (nginx has no limit but a cycle
// would never end; cycles are reported separately).
const maxIncludeDepth = 64

type loader struct {
	cfg     *Config
	opts    LoadOptions
	prefix  string
	virtual map[string][]byte // nginx -T dump: absolute path -> content
	overlay map[string][]byte // Overlay by absolute path (not for a dump)
	cache   map[string]*scanned
	stack   []string
}

type scanned struct {
	file *File
	dirs []*Directive // the file's statements as scanned, before includes are spliced in
	used bool         // dirs are in the tree already: a second include gets a copy
	err  *SyntaxError
}

// Load reads the configuration at path ("-" for stdin) with its includes.
// It returns an *InputError when the input itself cannot be read; every
// problem inside the configuration is in Config.Errors.
func Load(p string, opts LoadOptions) (*Config, error) {
	src, err := ReadInput(p, opts)
	if err != nil {
		return nil, err
	}
	return LoadBytes(p, src, opts), nil
}

// ReadInput reads the main file as Load does (standard input for "-", a
// file of opts.Overlay, else a regular file of the disk), without reading
// its includes: ReadInput then LoadBytes is Load. The error is an
// *InputError.
func ReadInput(p string, opts LoadOptions) ([]byte, error) {
	var src []byte
	var err error
	if p == "-" {
		if opts.Stdin == nil {
			return nil, &InputError{Path: "-", Err: errors.New("no standard input")}
		}
		src, err = readBounded(opts.Stdin)
	} else if b, ok := overlaid(opts.Overlay, p); ok {
		if len(b) > maxIncludeSize {
			err = errTooLarge
		} else {
			src = bytes.Clone(b)
		}
	} else {
		src, err = readRegular(p)
	}
	if err != nil {
		return nil, &InputError{Path: p, Err: err}
	}
	return src, nil
}

// overlaid looks name up in an overlay whose names are not yet made
// absolute.
func overlaid(overlay map[string][]byte, name string) ([]byte, bool) {
	if len(overlay) == 0 {
		return nil, false
	}
	if b, ok := overlay[name]; ok {
		return b, true
	}
	abs := absPath(name)
	for k, b := range overlay {
		if absPath(k) == abs {
			return b, true
		}
	}
	return nil, false
}

// absPath is name made absolute and clean (name itself when the working
// directory is unknown).
func absPath(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return filepath.Clean(name)
}

func readRegular(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory; give the main configuration file (for example nginx.conf)")
	}
	if !st.Mode().IsRegular() {
		// a FIFO would block until something writes to it, a device
		// such as /dev/zero never ends; use - for a pipe
		what := "not a regular file"
		switch m := st.Mode(); {
		case m&fs.ModeNamedPipe != 0:
			what = "a FIFO, not a regular file"
		case m&fs.ModeDevice != 0:
			what = "a device, not a regular file"
		case m&fs.ModeSocket != 0:
			what = "a socket, not a regular file"
		}
		return nil, fmt.Errorf("is %s; give a file, or - to read standard input", what)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBoundedSize(f, st.Size())
}

// readBounded reads r whole, up to maxIncludeSize: a larger input is no
// configuration (and would only exhaust memory).
func readBounded(r io.Reader) ([]byte, error) { return readBoundedSize(r, 0) }

// readBoundedSize is readBounded for an input of about size bytes (a
// regular file's size when it was opened): the buffer is made that big
// at once instead of doubling its way there.
func readBoundedSize(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, min(max(size, 0), maxIncludeSize)+512)
	lr := io.LimitReader(r, maxIncludeSize+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(b) > maxIncludeSize {
		return nil, errTooLarge
	}
	return b, nil
}

var errTooLarge = fmt.Errorf("is larger than %d MiB: not a configuration", maxIncludeSize>>20)

// LoadBytes is Load for content already in memory; name is used in positions.
func LoadBytes(name string, src []byte, opts LoadOptions) *Config {
	l := &loader{cfg: &Config{Path: name}, opts: opts, cache: map[string]*scanned{}}
	l.prefix = opts.Prefix
	mainName := name
	if files, order, ok := splitDump(src); ok {
		l.cfg.Kind = KindDump
		l.virtual = files
		for name, b := range opts.Overlay {
			files[name] = b
		}
		mainName = order[0]
		src = files[mainName]
		if l.prefix == "" {
			l.prefix = path.Dir(mainName)
		}
	} else {
		if l.prefix == "" {
			if name == "-" {
				l.prefix, _ = os.Getwd()
			} else {
				l.prefix = filepath.Dir(name)
			}
		}
		if len(opts.Overlay) > 0 {
			l.overlay = make(map[string][]byte, len(opts.Overlay))
			for name, b := range opts.Overlay {
				l.overlay[absPath(name)] = b
			}
		}
	}
	root := &Directive{Name: "", IsBlock: true}
	l.cfg.Root = root
	sc := l.scan(mainName, src)
	l.stack = append(l.stack, l.key(mainName))
	root.Block = l.build(sc, root, 0)
	l.detectFragment()
	l.cfg.buildServers()
	l.check()
	l.dedupeErrors()
	sort.SliceStable(l.cfg.Errors, func(i, j int) bool {
		a, b := l.cfg.Errors[i].Pos, l.cfg.Errors[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Offset < b.Offset
	})
	return l.cfg
}

func (l *loader) key(name string) string {
	if l.virtual != nil || name == "-" {
		return name
	}
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}

func (l *loader) scan(name string, src []byte) *scanned {
	f := &File{Path: name, Src: src}
	dirs, comments, err := scanFile(name, src)
	f.Comments = comments
	l.cfg.Files = append(l.cfg.Files, f)
	sc := &scanned{file: f, dirs: dirs, err: err}
	if err != nil {
		l.cfg.Errors = append(l.cfg.Errors, err)
	}
	return sc
}

// build places a scanned file's directives in the tree under parent,
// expanding its includes. A file included a second time is copied, since
// every directive has one parent.
func (l *loader) build(sc *scanned, parent *Directive, depth int) []*Directive {
	dirs := sc.dirs
	if sc.used {
		dirs = cloneDirectives(dirs)
	}
	sc.used = true
	return l.adopt(dirs, parent, depth)
}

func (l *loader) adopt(dirs []*Directive, parent *Directive, depth int) []*Directive {
	out := make([]*Directive, 0, len(dirs))
	for _, d := range dirs {
		d.Parent = parentOrNil(parent)
		out = append(out, d)
		if d.IsBlock && !d.Opaque {
			d.Block = l.adopt(d.Block, d, depth)
		}
		if d.Name == "include" && !d.IsBlock {
			out = append(out, l.include(d, parent, depth)...)
		}
	}
	return out
}

// cloneDirectives copies a scanned tree (argument slices are shared: they
// are never modified).
func cloneDirectives(dirs []*Directive) []*Directive {
	out := make([]*Directive, len(dirs))
	for i, d := range dirs {
		c := *d
		c.Block = cloneDirectives(d.Block)
		out[i] = &c
	}
	return out
}

func parentOrNil(p *Directive) *Directive {
	if p == nil || p.Name == "" {
		return nil
	}
	return p
}

// include resolves one include directive the way nginx does: relative to
// the prefix, globs sorted with dot files skipped, a missing non-glob file
// and a cycle are errors.
func (l *loader) include(d, parent *Directive, depth int) []*Directive {
	if len(d.Args) != 1 {
		l.errorf(d.Pos, "invalid number of arguments in \"include\" directive: it takes exactly one path")
		return nil
	}
	pat := d.Args[0]
	if depth >= maxIncludeDepth {
		l.errorf(d.Pos, "includes nested more than %d deep", maxIncludeDepth)
		return nil
	}
	full := pat
	if l.virtual != nil {
		if !path.IsAbs(full) {
			full = path.Join(l.prefix, full)
		}
	} else if !filepath.IsAbs(full) {
		full = filepath.Join(l.prefix, full)
	} else if l.opts.Root != "" {
		full = filepath.Join(l.opts.Root, full)
	}
	var names []string
	glob := strings.ContainsAny(pat, "*?[")
	if glob {
		var err error
		names, err = l.glob(full)
		if err != nil {
			l.errorf(d.Pos, "include pattern %q is not valid: %v", pat, err)
			return nil
		}
	} else {
		names = []string{full}
	}
	var out []*Directive
	for _, name := range names {
		key := l.key(name)
		for _, k := range l.stack {
			if k == key {
				l.errorf(d.Pos, "include cycle: %s includes itself again (through %s); nginx would recurse until it crashes", name, strings.Join(l.stack, " -> "))
				return out
			}
		}
		sc, ok := l.cache[key]
		if !ok {
			src, err := l.read(name)
			if errors.Is(err, errNoSuchFile) && l.opts.AllowMissing {
				m := &MissingInclude{Dir: d, Pattern: pat, Path: name}
				l.cfg.Missing = append(l.cfg.Missing, m)
				stock, stockSrc, ok := stockFor(pat)
				if !ok {
					continue
				}
				m.Stock = true
				sc = l.scan("(stock) "+stock, []byte(stockSrc))
				sc.file.Stock = true
				l.cache[key] = sc
				err = nil
			}
			if err != nil {
				if name == pat {
					l.errorf(d.Pos, "include %q: %v", pat, err)
				} else {
					l.errorf(d.Pos, "include %q: %s: %v", pat, name, err)
				}
				continue
			}
			if sc == nil {
				sc = l.scan(name, src)
				l.cache[key] = sc
			}
		}
		l.stack = append(l.stack, key)
		out = append(out, l.build(sc, parent, depth+1)...)
		l.stack = l.stack[:len(l.stack)-1]
	}
	return out
}

func (l *loader) read(name string) ([]byte, error) {
	if l.virtual != nil {
		if b, ok := l.virtual[name]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("the file is not in the nginx -T dump: %w", errNoSuchFile)
	}
	if b, ok := l.overlay[l.key(name)]; ok {
		if len(b) > maxIncludeSize {
			return nil, fmt.Errorf("larger than %d MiB; not read", maxIncludeSize>>20)
		}
		return b, nil
	}
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return nil, errors.New("is a directory (nginx fails reading it: \"Is a directory\")")
	} else if err == nil && !st.Mode().IsRegular() {
		// a device, FIFO or socket matched by a glob such as /*/*: reading
		// it could block forever
		return nil, fmt.Errorf("is not a regular file (%v); not read", st.Mode().Type())
	}
	b, err := readInclude(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoSuchFile
	}
	return b, err
}

// errNoSuchFile is a missing include.
var errNoSuchFile = errors.New("no such file (nginx refuses to start when a non-glob include is missing)")

// maxIncludeSize bounds one included file. Real configurations are far
// smaller; the bound keeps a glob such as /*/* from reading pseudo-files
// like /proc/self/pagemap, whose stat size is 0 but which never end.
const maxIncludeSize = 128 << 20

// readInclude reads an included file without blocking: a pseudo-file that
// would wait for data (/proc/kmsg) fails instead of hanging the load.
func readInclude(name string) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Go polls a non-blocking pseudo-file instead of failing with EAGAIN;
	// a deadline bounds the wait (regular files have none and never wait).
	_ = f.SetReadDeadline(time.Now().Add(time.Second))
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	b, err := readBoundedSize(f, size)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("larger than %d MiB; not read", maxIncludeSize>>20)
	}
	return b, err
}

func (l *loader) glob(pattern string) ([]string, error) {
	var names []string
	if l.virtual != nil {
		if _, err := path.Match(pattern, ""); err != nil {
			return nil, err
		}
		for name := range l.virtual {
			if ok, _ := path.Match(pattern, name); ok {
				names = append(names, name)
			}
		}
	} else {
		var err error
		names, err = filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		names = append(names, l.overlayMatches(pattern, names)...)
	}
	var out []string
	for _, n := range names {
		if hiddenMatch(pattern, n) {
			continue // glob(3) does not let a wildcard match a leading dot
		}
		// A directory that matches is kept: nginx tries to read it and fails.
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// overlayMatches returns the files of the overlay that pattern matches and
// that are not among names (what the disk has), named as the pattern is
// written: absolute, or relative to the working directory.
func (l *loader) overlayMatches(pattern string, names []string) []string {
	if len(l.overlay) == 0 {
		return nil
	}
	abs := absPath(pattern)
	seen := map[string]bool{}
	for _, n := range names {
		seen[l.key(n)] = true
	}
	var out []string
	for k := range l.overlay {
		if ok, _ := filepath.Match(abs, k); !ok || seen[k] {
			continue
		}
		name := k
		if !filepath.IsAbs(pattern) {
			if wd, err := os.Getwd(); err == nil {
				if rel, err := filepath.Rel(wd, k); err == nil {
					name = rel
				}
			}
		}
		out = append(out, name)
	}
	return out
}

// hiddenMatch reports whether glob(3), which nginx uses, would refuse the
// match name of pattern because a wildcard matched a leading dot: a name
// component starting with '.' only matches a pattern component that starts
// with '.' too. (Go's filepath.Glob lets "*" match ".hidden".)
func hiddenMatch(pattern, name string) bool {
	pc := strings.Split(filepath.ToSlash(pattern), "/")
	nc := strings.Split(filepath.ToSlash(name), "/")
	if len(pc) != len(nc) {
		return strings.HasPrefix(path.Base(filepath.ToSlash(name)), ".") && !strings.HasPrefix(path.Base(filepath.ToSlash(pattern)), ".")
	}
	for i := range pc {
		if strings.HasPrefix(nc[i], ".") && !strings.HasPrefix(pc[i], ".") && strings.ContainsAny(pc[i], "*?[") {
			return true
		}
	}
	return false
}

// dedupeErrors drops repeated errors: a file included twice is checked
// twice, but its problems are reported once.
func (l *loader) dedupeErrors() {
	type key struct {
		pos Pos
		msg string
	}
	seen := map[key]bool{}
	out := l.cfg.Errors[:0]
	for _, e := range l.cfg.Errors {
		k := key{e.Pos, e.Msg}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	l.cfg.Errors = out
}

func (l *loader) errorf(p Pos, format string, a ...any) {
	l.cfg.Errors = append(l.cfg.Errors, &SyntaxError{Pos: p, Msg: fmt.Sprintf(format, a...)})
}

// detectFragment wraps top-level server or location blocks (a
// sites-available file, a snippet) in the context nginx would read them in.
func (l *loader) detectFragment() {
	root := l.cfg.Root
	hasHTTP, hasServer, hasLocation := false, false, false
	for _, d := range root.Block {
		switch d.Name {
		case "http", "events":
			hasHTTP = true
		case "server":
			hasServer = hasServer || d.IsBlock
		case "location":
			hasLocation = true
		}
	}
	if hasHTTP || l.cfg.Kind == KindDump {
		return
	}
	switch {
	case hasServer:
		l.cfg.Kind = KindHTTPFragment
		http := &Directive{Name: "http", IsBlock: true, Block: root.Block}
		for _, d := range http.Block {
			d.reparent(nil, http)
		}
		root.Block = []*Directive{http}
	case hasLocation:
		l.cfg.Kind = KindServerFragment
		srv := &Directive{Name: "server", IsBlock: true, Block: root.Block}
		http := &Directive{Name: "http", IsBlock: true, Block: []*Directive{srv}}
		srv.Parent = http
		for _, d := range srv.Block {
			d.reparent(nil, srv)
		}
		root.Block = []*Directive{http}
	}
}

func (d *Directive) reparent(old, new *Directive) {
	if d.Parent == old {
		d.Parent = new
	}
}

// splitDump recognises the output of `nginx -T`: lines of
// `# configuration file PATH:` each followed by that file's content.
func splitDump(src []byte) (map[string][]byte, []string, bool) {
	const marker = "# configuration file "
	lines := bytes.SplitAfter(src, []byte("\n"))
	i := 0
	for i < len(lines) && (bytes.HasPrefix(lines[i], []byte("nginx: ")) || len(bytes.TrimSpace(lines[i])) == 0) {
		i++
	}
	if i >= len(lines) || !isDumpMarker(lines[i], marker) {
		return nil, nil, false
	}
	files := map[string][]byte{}
	var order []string
	var cur string
	var buf []byte
	flush := func() {
		if cur != "" {
			if _, seen := files[cur]; !seen {
				order = append(order, cur)
				// nginx -T writes a line feed after each file's content
				files[cur] = bytes.TrimSuffix(buf, []byte("\n"))
			}
		}
	}
	for ; i < len(lines); i++ {
		ln := lines[i]
		if isDumpMarker(ln, marker) {
			flush()
			t := strings.TrimRight(string(ln), "\r\n")
			cur = strings.TrimSuffix(strings.TrimPrefix(t, marker), ":")
			buf = nil
			continue
		}
		buf = append(buf, ln...)
	}
	flush()
	if len(order) == 0 {
		return nil, nil, false
	}
	return files, order, true
}

func isDumpMarker(line []byte, marker string) bool {
	t := strings.TrimRight(string(line), "\r\n")
	return strings.HasPrefix(t, marker) && strings.HasSuffix(t, ":") && len(t) > len(marker)+1
}
