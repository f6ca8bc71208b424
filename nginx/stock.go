package nginx

import (
	"path"
	"strings"
)

// MissingInclude is an include whose file is not there (with
// LoadOptions.AllowMissing): the configuration is read without it.
type MissingInclude struct {
	Dir     *Directive // the include directive
	Pattern string     // as written
	Path    string     // the file looked for
	// Stock is set when a stand-in for one of nginx's stock files (see
	// stockFiles) was read in its place.
	Stock bool
}

// stockFiles are stand-ins for the files a packaged nginx ships next to
// nginx.conf, which configurations kept in a repository include but do not
// hold: written here, they set what the packaged files set (the
// parameters passed to FastCGI, uwsgi and SCGI apps, the headers of
// proxy_params, a few MIME types), and none of them has a location, root,
// alias or internal, so the routing model reads the configuration as it
// would with the real files. Keyed by the path below nginx's configuration
// directory.
var stockFiles = map[string]string{
	"mime.types": `types {
    text/html                 html htm shtml;
    text/css                  css;
    text/plain                txt;
    text/xml                  xml;
    application/javascript    js;
    application/json          json;
    application/pdf           pdf;
    application/zip           zip;
    application/octet-stream  bin exe dll iso img;
    image/gif                 gif;
    image/jpeg                jpeg jpg;
    image/png                 png;
    image/svg+xml             svg svgz;
    image/webp                webp;
    image/x-icon              ico;
    font/woff                 woff;
    font/woff2                woff2;
    audio/mpeg                mp3;
    video/mp4                 mp4;
}
`,
	"fastcgi_params": fastcgiParams,
	"fastcgi.conf":   "fastcgi_param  SCRIPT_FILENAME    $document_root$fastcgi_script_name;\n" + fastcgiParams,
	"uwsgi_params":   strings.ReplaceAll(cgiParams("uwsgi_param"), "uwsgi_param  SCRIPT_NAME        $fastcgi_script_name;\n", ""),
	"scgi_params":    "scgi_param  REQUEST_METHOD     $request_method;\nscgi_param  REQUEST_URI        $request_uri;\nscgi_param  QUERY_STRING       $query_string;\nscgi_param  CONTENT_TYPE       $content_type;\nscgi_param  DOCUMENT_URI       $document_uri;\nscgi_param  DOCUMENT_ROOT      $document_root;\nscgi_param  SCGI               1;\nscgi_param  SERVER_PROTOCOL    $server_protocol;\nscgi_param  REQUEST_SCHEME     $scheme;\nscgi_param  HTTPS              $https if_not_empty;\nscgi_param  REMOTE_ADDR        $remote_addr;\nscgi_param  REMOTE_PORT        $remote_port;\nscgi_param  SERVER_PORT        $server_port;\nscgi_param  SERVER_NAME        $server_name;\n",
	"proxy_params": `proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
`,
	"snippets/fastcgi-php.conf": `fastcgi_split_path_info ^(.+?\.php)(/.*)$;
try_files $fastcgi_script_name =404;
set $path_info $fastcgi_path_info;
fastcgi_param PATH_INFO $path_info;
fastcgi_index index.php;
include fastcgi.conf;
`,
}

var fastcgiParams = cgiParams("fastcgi_param")

// cgiParams is the CGI/1.1 variables as the packaged *_params files pass
// them, with the directive name given.
func cgiParams(dir string) string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"QUERY_STRING", "$query_string"}, {"REQUEST_METHOD", "$request_method"},
		{"CONTENT_TYPE", "$content_type"}, {"CONTENT_LENGTH", "$content_length"},
		{"SCRIPT_NAME", "$fastcgi_script_name"}, {"REQUEST_URI", "$request_uri"},
		{"DOCUMENT_URI", "$document_uri"}, {"DOCUMENT_ROOT", "$document_root"},
		{"SERVER_PROTOCOL", "$server_protocol"}, {"REQUEST_SCHEME", "$scheme"},
		{"HTTPS", "$https if_not_empty"}, {"GATEWAY_INTERFACE", "CGI/1.1"},
		{"SERVER_SOFTWARE", "nginx/$nginx_version"}, {"REMOTE_ADDR", "$remote_addr"},
		{"REMOTE_PORT", "$remote_port"}, {"SERVER_ADDR", "$server_addr"},
		{"SERVER_PORT", "$server_port"}, {"SERVER_NAME", "$server_name"},
		{"REDIRECT_STATUS", "200"},
	} {
		b.WriteString(dir + "  " + kv[0] + strings.Repeat(" ", max(1, 19-len(kv[0]))) + kv[1] + ";\n")
	}
	return b.String()
}

// stockFor returns the stand-in for a missing include pattern: the pattern
// names one of the stock files, relative to the configuration directory
// or under an absolute path that ends in it (/etc/nginx/mime.types).
func stockFor(pattern string) (string, string, bool) {
	p := path.Clean(strings.ReplaceAll(pattern, "\\", "/"))
	for name, src := range stockFiles {
		if p == name || strings.HasSuffix(p, "/"+name) {
			return name, src, true
		}
	}
	return "", "", false
}
