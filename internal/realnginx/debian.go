package realnginx

// What Debian's nginx package (nginx-common 1.22.1) installs for PHP and
// Python apps: /etc/nginx/fastcgi_params, fastcgi.conf,
// snippets/fastcgi-php.conf and uwsgi_params, their comments left out.
// Debian adds HTTP_HOST $host to nginx's fastcgi_params and uwsgi_params.
// Tests write them where a configuration includes them, as a packaged
// nginx has them.

// DebianConfFiles are the files by their path under nginx's configuration
// directory.
var DebianConfFiles = map[string]string{
	"fastcgi_params":            DebianFastCGIParams,
	"fastcgi.conf":              DebianFastCGIConf,
	"uwsgi_params":              DebianUwsgiParams,
	"snippets/fastcgi-php.conf": DebianFastCGIPHP,
}

const (
	fastcgiParamsBody = `fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  CONTENT_TYPE       $content_type;
fastcgi_param  CONTENT_LENGTH     $content_length;

fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_URI       $document_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  SERVER_PROTOCOL    $server_protocol;
fastcgi_param  REQUEST_SCHEME     $scheme;
fastcgi_param  HTTPS              $https if_not_empty;

fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;

fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  REMOTE_PORT        $remote_port;
fastcgi_param  REMOTE_USER        $remote_user;
fastcgi_param  SERVER_ADDR        $server_addr;
fastcgi_param  SERVER_PORT        $server_port;
fastcgi_param  SERVER_NAME        $server_name;

fastcgi_param  REDIRECT_STATUS    200;
`
	DebianFastCGIParams = fastcgiParamsBody + "\nfastcgi_param  HTTP_HOST        $host;\n"
	DebianFastCGIConf   = "fastcgi_param  SCRIPT_FILENAME    $document_root$fastcgi_script_name;\n" + fastcgiParamsBody
	DebianFastCGIPHP    = `fastcgi_split_path_info ^(.+?\.php)(/.*)$;
try_files $fastcgi_script_name =404;
set $path_info $fastcgi_path_info;
fastcgi_param PATH_INFO $path_info;
fastcgi_index index.php;
include fastcgi.conf;
`
	DebianUwsgiParams = `uwsgi_param  QUERY_STRING       $query_string;
uwsgi_param  REQUEST_METHOD     $request_method;
uwsgi_param  CONTENT_TYPE       $content_type;
uwsgi_param  CONTENT_LENGTH     $content_length;

uwsgi_param  REQUEST_URI        $request_uri;
uwsgi_param  PATH_INFO          $document_uri;
uwsgi_param  DOCUMENT_ROOT      $document_root;
uwsgi_param  SERVER_PROTOCOL    $server_protocol;
uwsgi_param  REQUEST_SCHEME     $scheme;
uwsgi_param  HTTPS              $https if_not_empty;

uwsgi_param  REMOTE_ADDR        $remote_addr;
uwsgi_param  REMOTE_PORT        $remote_port;
uwsgi_param  SERVER_PORT        $server_port;
uwsgi_param  SERVER_NAME        $server_name;

uwsgi_param  HTTP_HOST        $host;
`
)
