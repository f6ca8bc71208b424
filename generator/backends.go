package generator

import (
	"fmt"
	"strings"
)

// Backend describes one framework the generator writes the app side for.
type Backend struct {
	Name  string // the --backend value and the output folder
	Title string // for humans: "Django"
	Lang  string // the language of the snippet
	// FastCGI backends run under php-fpm: --app is a php-fpm socket or
	// HOST:PORT, and nginx talks FastCGI to them.
	FastCGI bool
	// DefaultApp is the address the app listens on by default.
	DefaultApp string
	// Mapping says how the app learns to send files through the front:
	//   "explicit": the handler sets the header itself, and the proxy
	//               blanks X-Sendfile-Type and X-Accel-Mapping so a client
	//               cannot switch a framework's sendfile on;
	//   "rack":     Rack::Sendfile, told by the proxy (X-Sendfile-Type and
	//               X-Accel-Mapping set by nginx, never by the client);
	//   "symfony":  BinaryFileResponse::trustXSendfileTypeHeader, told by
	//               the proxy through fastcgi_param HTTP_X_SENDFILE_TYPE and
	//               HTTP_X_ACCEL_MAPPING.
	Mapping string
	// Entry is the app's front controller for FastCGI backends, relative
	// to --app-root (the script nginx runs for the download path).
	Entry string
}

// Backends lists every backend, in --list order.
var Backends = []Backend{
	{Name: "django", Title: "Django", Lang: "Python", DefaultApp: "127.0.0.1:8000", Mapping: "explicit"},
	{Name: "flask", Title: "Flask", Lang: "Python", DefaultApp: "127.0.0.1:5000", Mapping: "explicit"},
	{Name: "fastapi", Title: "FastAPI / Starlette", Lang: "Python", DefaultApp: "127.0.0.1:8000", Mapping: "explicit"},
	{Name: "rails", Title: "Ruby on Rails (Rack::Sendfile)", Lang: "Ruby", DefaultApp: "127.0.0.1:3000", Mapping: "rack"},
	{Name: "laravel", Title: "Laravel (Symfony BinaryFileResponse)", Lang: "PHP", FastCGI: true, DefaultApp: "unix:/run/php/php-fpm.sock", Mapping: "symfony", Entry: "public/index.php"},
	{Name: "php", Title: "plain PHP on php-fpm", Lang: "PHP", FastCGI: true, DefaultApp: "unix:/run/php/php-fpm.sock", Mapping: "explicit", Entry: "download.php"},
	{Name: "express", Title: "Express (Node.js)", Lang: "JavaScript", DefaultApp: "127.0.0.1:3000", Mapping: "explicit"},
	{Name: "go", Title: "Go net/http", Lang: "Go", DefaultApp: "127.0.0.1:8080", Mapping: "explicit"},
	{Name: "spring", Title: "Spring Boot", Lang: "Java", DefaultApp: "127.0.0.1:8080", Mapping: "explicit"},
	{Name: "aspnet", Title: "ASP.NET Core", Lang: "C#", DefaultApp: "127.0.0.1:5000", Mapping: "explicit"},
}

// BackendByName finds a backend; the error lists the known ones.
func BackendByName(name string) (Backend, error) {
	for _, b := range Backends {
		if b.Name == name {
			return b, nil
		}
	}
	return Backend{}, fmt.Errorf("unknown backend %q (known: %s)", name, strings.Join(BackendNames(), ", "))
}

// BackendNames are the --backend values.
func BackendNames() []string {
	var out []string
	for _, b := range Backends {
		out = append(out, b.Name)
	}
	return out
}

// Fronts are the servers the generator writes the front side for.
var Fronts = []string{"nginx", "caddy", "apache"}

// refusedFronts are servers people ask for that cannot send a file named
// by the app; the generator says why instead of writing something that
// leaks or does nothing.
var refusedFronts = map[string]string{
	"traefik": "Traefik cannot serve files: it forwards the app's X-Accel-Redirect header to the browser with an empty body. Put nginx (or Caddy) between Traefik and the app, and generate for that",
	"haproxy": "HAProxy cannot serve files from disk (its Lua replies hold about one buffer, ~16 KB). Put nginx (or Caddy) between HAProxy and the app, and generate for that",
}
