package lint

import "strings"

// RuleDoc is the documentation of one rule, as machine-readable outputs
// (SARIF) show it next to a finding.
type RuleDoc struct {
	Short   string // one line: what is wrong
	Full    string // a paragraph: what the rule checks and why it matters
	Help    string // how to fix it, with a short bad and good example (indented by four spaces)
	HelpURI string // the rule's section of docs/rules.md
}

// docsBase is where the rule documentation lives; each rule's section has
// the rule name as its anchor.
const docsBase = "https://github.com/xaccel/xaccel/blob/main/docs/rules.md#"

// ruleDocs holds the documentation of every rule, keyed by rule name. The
// examples are indented by four spaces, which reads as code both as plain
// text and as Markdown. This is the one source of this text: docs/rules.md
// shows each entry at the top of the rule's section, written there by
// go test ./lint -update (TestRulesDocMatchesTable), and the tests lint the
// examples (TestRuleDocExamples: a bad one has the rule's finding, a good
// one has none).
var ruleDocs = map[string]RuleDoc{
	"syntax": {
		Short: "The configuration cannot be read as nginx would read it.",
		Full: "nginx refuses to start with this configuration: an unbalanced or stray brace, an " +
			"unterminated quote, a block directive without a block, an include cycle or a file that " +
			"cannot be read (a missing include is include-not-found). The other rules are not run on a configuration " +
			"with a syntax error, because they would reason about a configuration that never runs.",
		Help: "Fix the reported token so that `nginx -t` accepts the file, then lint again: the other " +
			"rules only run on a configuration nginx can load.\n\n" +
			"Bad (a stray closing brace):\n\n" +
			"    location ^~ /media/ {\n" +
			"        internal;\n" +
			"    }\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location ^~ /media/ {\n" +
			"        internal;\n" +
			"    }",
	},
	"include-not-found": {
		Short: "An included file is not there: the configuration is analysed without it.",
		Full: "A non-glob include names a file that is missing, as with a configuration kept in a " +
			"repository whose server-only snippets live on the server. nginx would refuse to start; xaccel " +
			"analyses the rest without the file, so whatever it holds (locations, internal, roots) is not " +
			"checked. Stock files of packaged nginx (mime.types, fastcgi_params, fastcgi.conf, " +
			"uwsgi_params, scgi_params, proxy_params, snippets/fastcgi-php.conf) are read from built-in " +
			"stand-ins instead, reported as info.",
		Help: "Lint the complete configuration (`nginx -T | xaccel lint -`), or point xaccel at the " +
			"files: `--prefix DIR` for relative include paths, `--root DIR` for absolute ones " +
			"(`xaccel lint --root deploy deploy/etc/nginx/nginx.conf`), or keep the snippet's lines in the " +
			"repository.\n\n" +
			"Bad (the snippet is only on the server):\n\n" +
			"    server {\n" +
			"        include snippets/headers.conf;\n" +
			"    }\n\n" +
			"Good (its lines in the configuration itself):\n\n" +
			"    server {\n" +
			"        add_header X-Frame-Options DENY;\n" +
			"    }",
	},
	"media-not-internal": {
		Short: "A location serves user media to anyone: it is not internal and nothing else guards it.",
		Full: "A location serves files from a directory or URL prefix that holds user media (a path " +
			"segment such as media, uploads, private or documents, or one declared with --protect / " +
			"--protect-dir), it is not `internal`, and no auth_basic, auth_request, secure_link or " +
			"`deny all` guards it. Anyone who learns a URL downloads the file without the app's permission " +
			"check, and URLs leak through browser history, referrers, shared links and logs.",
		Help: "Make the location `internal` and let the app hand out files with X-Accel-Redirect after " +
			"its permission check. If the prefix is public on purpose, declare it with `--public PREFIX`.\n\n" +
			"Bad:\n\n" +
			"    location /media {\n" +
			"        alias /home/app/web/media;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location ^~ /media/ {\n" +
			"        internal;\n" +
			"        alias /home/app/web/media/;\n" +
			"    }",
	},
	"alias-traversal": {
		Short: "An alias and its location disagree about trailing slashes, or a regex capture can climb out of the alias.",
		Full: "nginx replaces the location name with the alias text byte for byte and never tidies the " +
			"result. When the location lacks a trailing slash that the alias has, `/media../secret` maps " +
			"to the parent directory of the alias (an error, even for internal locations, since " +
			"X-Accel-Redirect values are often built from input). When the location has the slash and " +
			"the alias does not, or neither has it, sibling directories such as `/srv/media-old` become " +
			"readable. A regex capture placed right after a slash in the alias can start with `..`.",
		Help: "Give the location and its alias the same trailing slash, and in regex locations put a `/` " +
			"in the pattern right before the captured group.\n\n" +
			"Bad:\n\n" +
			"    location /files {\n" +
			"        alias /srv/app/files/;\n" +
			"    }\n" +
			"    location ~ ^/img(.*)$ {\n" +
			"        alias /srv/app/images/$1;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location /files/ {\n" +
			"        alias /srv/app/files/;\n" +
			"    }\n" +
			"    location ~ ^/img/(.*)$ {\n" +
			"        alias /srv/app/images/$1;\n" +
			"    }",
	},
	"regex-bypasses-internal": {
		Short: "A regex location wins over an internal prefix location, so outside requests skip `internal`.",
		Full: "An `internal` prefix location without `^~` loses to any regex location that matches a URI " +
			"under its prefix, and nginx checks `internal` only on the location it finally chooses. A " +
			"harmless-looking `location ~* \\.(jpg|png)$ { expires 30d; }` then serves every protected " +
			"image to anyone, from its own root. The finding is reported at the internal location, where " +
			"the fix goes, and names the regex location that wins.",
		Help: "Write the internal location with the `^~` modifier, so that no regex location is " +
			"considered for URIs under its prefix.\n\n" +
			"Bad:\n\n" +
			"    location /media/ {\n" +
			"        internal;\n" +
			"        alias /srv/app/media/;\n" +
			"    }\n" +
			"    location ~* \\.(jpg|png)$ {\n" +
			"        root /srv/app;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location ^~ /media/ {\n" +
			"        internal;\n" +
			"        alias /srv/app/media/;\n" +
			"    }\n" +
			"    location ~* \\.(jpg|png)$ {\n" +
			"        root /srv/app;\n" +
			"    }",
	},
	"root-exposes-protected": {
		Short: "A public location's root or alias reaches into a protected directory.",
		Full: "An outside request reaches a file inside a protected directory (one served by an internal " +
			"location, or declared with --protect-dir) through a location that is not internal, because " +
			"its root or alias contains that directory. The classic case is a site root that holds the " +
			"media directory next to `try_files $uri @app`: the media files are served as static files, " +
			"whatever the app thinks of permissions.",
		Help: "Move the protected files out of the public root, or add an `internal` location for their " +
			"URL prefix.\n\n" +
			"Bad:\n\n" +
			"    root /srv/app/web;\n" +
			"    location / {\n" +
			"        try_files $uri @app;\n" +
			"    }\n" +
			"    location ^~ /protected/ {\n" +
			"        internal;\n" +
			"        alias /srv/app/web/media/;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    root /srv/app/web/public;\n" +
			"    location / {\n" +
			"        try_files $uri @app;\n" +
			"    }\n" +
			"    location ^~ /protected/ {\n" +
			"        internal;\n" +
			"        alias /srv/app/web/media/;\n" +
			"    }",
	},
	"accel-header-exposed": {
		Short: "An X-Accel-* header is passed or added to client responses.",
		Full: "`proxy_pass_header` (or its fastcgi, uwsgi, scgi and grpc twins) of an X-Accel-* header, " +
			"or an `add_header` that names an X-Accel header or copies `$upstream_http_x_accel_*`. nginx " +
			"hides these headers from clients by default because they carry internal paths and settings; " +
			"passing them on tells every client where the protected files live, and nginx still acts on " +
			"them.",
		Help: "Remove the directive that passes or copies the X-Accel header.\n\n" +
			"Bad:\n\n" +
			"    location / {\n" +
			"        proxy_pass http://127.0.0.1:8000;\n" +
			"        proxy_pass_header X-Accel-Redirect;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location / {\n" +
			"        proxy_pass http://127.0.0.1:8000;\n" +
			"    }",
	},
	"media-missing-nosniff": {
		Short: "An internal location serves files without X-Content-Type-Options: nosniff.",
		Full: "On the X-Accel-Redirect path nginx keeps only Content-Type, Content-Disposition, " +
			"Cache-Control, Expires, Set-Cookie and Accept-Ranges from the app's response, so a nosniff " +
			"header the app sets never reaches the browser. Without it a browser may sniff an uploaded " +
			"file and run it as HTML or script. add_header inheritance counts: a location with any " +
			"add_header of its own inherits none from the server or http level, and add_header_inherit " +
			"(nginx 1.29.3) is followed: merge keeps the outer lines after the location's own, off drops them " +
			"even from a location without add_header.",
		Help: "Add the header in the internal location itself, with `always` so it is sent on every " +
			"status.\n\n" +
			"Bad:\n\n" +
			"    location /media {\n" +
			"        internal;\n" +
			"        alias /home/app/web/media;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location /media {\n" +
			"        internal;\n" +
			"        alias /home/app/web/media;\n" +
			"        add_header X-Content-Type-Options \"nosniff\" always;\n" +
			"    }",
	},
	"unused-suppression": {
		Short: "A `# xaccel:ignore` comment suppresses nothing.",
		Full: "A suppression comment names a rule that reports nothing on the statement it is attached " +
			"to: the problem was fixed, the comment sits on the wrong line, or the rule name is misspelled. " +
			"A stale suppression silently hides the next real finding of that rule on the statement, so " +
			"it is reported for removal.",
		Help: "Remove the comment, or move it to the line before (or the end of) the statement it is " +
			"meant for and check the rule name.\n\n" +
			"Bad (the location is internal now, nothing is left to suppress):\n\n" +
			"    # xaccel:ignore media-not-internal -- legacy links\n" +
			"    location ^~ /media/ {\n" +
			"        internal;\n" +
			"        alias /srv/app/media/;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    location ^~ /media/ {\n" +
			"        internal;\n" +
			"        alias /srv/app/media/;\n" +
			"    }",
	},
	"suppression-missing-reason": {
		Short: "A `# xaccel:ignore` comment gives no reason.",
		Full: "A suppression comment `# xaccel:ignore RULE` has no `-- reason` after the rule names. A " +
			"suppressed finding is a decision that a leak is acceptable; without the reason, the next " +
			"reader cannot tell whether the decision still holds or was a shortcut.",
		Help: "Say why the finding is acceptable after ` -- `.\n\n" +
			"Bad:\n\n" +
			"    # xaccel:ignore media-not-internal\n" +
			"    location /avatars/ {\n" +
			"        alias /srv/app/media/avatars/;\n" +
			"    }\n\n" +
			"Good:\n\n" +
			"    # xaccel:ignore media-not-internal -- avatars are public by design\n" +
			"    location /avatars/ {\n" +
			"        alias /srv/app/media/avatars/;\n" +
			"    }",
	},
}

// DocFor returns the documentation of rule, with its HelpURI always set;
// the other fields are empty for a rule that has no entry.
func DocFor(rule string) RuleDoc {
	d := ruleDocs[rule]
	if d.HelpURI == "" {
		d.HelpURI = docsBase + rule
	}
	return d
}

// HelpMarkdown is d.Help as Markdown: the indented examples become fenced
// nginx code blocks, and a link to the documentation follows.
func (d RuleDoc) HelpMarkdown() string {
	var b strings.Builder
	inCode := false
	for _, line := range strings.Split(d.Help, "\n") {
		code, isCode := strings.CutPrefix(line, "    ")
		switch {
		case isCode && !inCode:
			b.WriteString("```nginx\n")
			inCode = true
		case !isCode && inCode:
			b.WriteString("```\n")
			inCode = false
		}
		if isCode {
			line = code
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if inCode {
		b.WriteString("```\n")
	}
	if d.HelpURI != "" {
		b.WriteString("\n[Documentation](" + d.HelpURI + ")\n")
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
