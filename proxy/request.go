//go:build unix

package proxy

import (
	"net/http"
	"os"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

// request is the state of one client request across internal redirects.
type request struct {
	r *http.Request
	// requestID is $request_id once made.
	requestID string
	// location is the Location a redirect was given before the header
	// filter made it absolute (what msie_refresh sends).
	location string
	// relLocation is a Location the header filter is still to make
	// absolute, with the configuration of the location that answers
	// (ngx_http_header_filter reads r->loc_conf): a location's own
	// redirect to its name with a slash that an error_page takes over.
	relLocation string
	body        []byte
	hasBody     bool // the client sent a body (Content-Length or chunked)
	bodyRead    bool // body holds the client's body (readBody)
	bodyErr     int  // what reading the body ended with: a status, or bodyAbort
	// bodyFile holds a body larger than client_body_buffer_size (body is
	// then nil), unlinked as soon as it is made; bodyLen is the body's
	// length either way.
	bodyFile *os.File
	// bodyPath is bodyFile's name while the request lasts, for
	// $request_body_file ("" when the file was unlinked at once).
	bodyPath  string
	bodyKept  bool // client_body_in_file_only on: the file stays
	bodyLen   int64
	method    string
	uri, args string
	internal  bool
	// unparsed is r->valid_unparsed_uri: no internal redirect (but maybe
	// named ones) happened, so proxy_pass without a URI part sends the
	// client's request target as received.
	unparsed bool
	// quoted is r->quoted_uri: the client's path had %-escapes; plus is
	// r->plus_in_uri: it had a '+'.
	quoted, plus bool
	// uriChanges is r->uri_changes: 11 at the start; internal and named
	// redirects use one each (nginx-semantics 1.7.8).
	uriChanges int
	// errorPage is r->error_page: an error_page was used (without
	// recursive_error_pages, no second one is).
	errorPage bool
	// errStatus is r->err_status: the status of the error being answered,
	// which replaces whatever status the error page's content has.
	errStatus int
	// status is r->headers_out.status once the header filters run (the
	// status of the answer being sent), for $status.
	status int
	// invalidLocation is !r->valid_location: a rewrite changed the URI
	// and a break kept the request in its location.
	invalidLocation bool
	// uriChanged is r->uri_changed: a rewrite without break changed the
	// URI, and the location has not been searched again yet.
	uriChanged bool
	// accessCode is r->access_code (see accessPhase): kept across
	// internal and named redirects.
	accessCode int
	// inIf is set when an if block of the location matched: nginx then
	// runs the request with the if's configuration, which has no
	// try_files (it is not inherited).
	inIf bool
	// ifPass is the proxy_pass of the last if block of the location that
	// matched, when it has one (its if block is ifBlock): the request is
	// proxied with it (ngx_http_script_if_code makes the if's
	// configuration the request's, and its content handler the
	// request's).
	ifPass, ifBlock *nginx.Directive
	// addURIToAlias is r->add_uri_to_alias: try_files found a file under
	// a regex location's alias.
	addURIToAlias bool
	// realIP is the connection's address when realip replaced it.
	realIP string
	// up is the last upstream exchange ($upstream_addr, _status, the
	// _time variables).
	up upstreamState
	// added are the header names add_header and expires added, in order;
	// outOrder the keys of out in the app's order.
	added, outOrder []string
	// trailerConf is the location whose add_trailer fields end the
	// response (set by the headers filter when one applies to the status);
	// trailers are those fields once the body is done ($sent_trailer_*).
	trailerConf *locConf
	trailers    [][2]string
	// client is the writer to the client, for the variables that count
	// what came in and went out; completed is set once the response went
	// out whole ($request_completion, in the access log).
	client    http.ResponseWriter
	completed bool
	// limitReqStatus and limitConnStatus are $limit_req_status and
	// $limit_conn_status once those modules decided (once per request);
	// connsHeld are the limit_conn counts the request holds until it ends.
	limitReqStatus, limitConnStatus string
	connsHeld                       []connHeld
	// ssiTimefmt is the SSI's `config timefmt` once the SSI runs on the
	// request ("": its default).
	ssiTimefmt string
	// secureLinkExpires is the expiry of the link $secure_link was
	// evaluated on (secure_link's module context, cleared by an internal
	// redirect): what $secure_link_expires gives when first read.
	secureLinkExpires string
	// wwwAuthSet is set while the last WWW-Authenticate line of out is
	// the one r->headers_out.www_authenticate points to (see
	// dropWWWAuthenticate).
	wwwAuthSet bool
	// bodySent is $body_bytes_sent once the answer is sent; start is
	// when the request began ($request_time).
	bodySent  int64
	start     time.Time
	out       http.Header        // headers kept from an upstream by X-Accel-Redirect
	charset   string             // X-Accel-Charset (r->headers_out.override_charset)
	upstream  *upstream.Response // the last upstream's response ($upstream_http_*)
	proxyHost string             // $proxy_host of the request being proxied
	proxyPort string             // $proxy_port
	limitRate int64              // $limit_rate, as set
	// upPast are the exchanges with servers that failed before rq.up
	// (proxy_next_upstream), for the $upstream_* lists.
	upPast []upstreamState
	// charsetFailed is set when a charset from a variable had no value.
	charsetFailed bool
	// held is the body held for sub_filter and SSI until the handler is
	// done (heldbody.go).
	held *heldBody
	// tracing is set when Options.Trace is: only then are the steps of
	// the request noted in trace.
	tracing bool
	trace   []string
	// sub marks auth_request's subrequest, whose answer's body is not
	// wanted.
	sub bool
	// main is the request a subrequest belongs to (nil for a main one):
	// what nginx keeps in r->main (limit_req's and limit_conn's decisions).
	// A subrequest (isSubrequest) has no access phase, and the
	// not-modified, range and headers filters leave it alone.
	main *request
	// vars are the variables set by set, auth_request_set and named
	// captures.
	vars map[string]string
	// caps are the groups of the last regex that matched (a location's,
	// an if's, a rewrite's): $0..$9.
	caps []string
	// loc is the location the request is in ($request_filename,
	// $document_root).
	loc *nginx.Location
	// fcgiScript and fcgiInfo are $uri split by fastcgi_split_path_info,
	// kept from the first use until an internal redirect (fcgiSplit).
	fcgiScript, fcgiInfo string
	// mapDepth counts the map variables being evaluated (a cycle stops).
	mapDepth int
	// cached are the values of the variables nginx keeps once evaluated
	// (see keepVariable), shared with the request's subrequests as nginx
	// shares r->variables with them.
	cached map[string]string
	// sent is the response header while the header filters run
	// ($sent_http_*); notYet are fields of it that a later filter of
	// nginx adds, which $sent_http_* does not see yet.
	sent   http.Header
	notYet []string
	// sentType is the Content-Type $sent_http_content_type sees when the
	// range filter, after the headers filter, makes a file's answer
	// multipart/byteranges or 416 ("": the response's own): fileType,
	// the file's type as the static handler gave it.
	sentType, fileType string
}

// setWWWAuthenticate adds a WWW-Authenticate line to the response header
// as nginx's modules set r->headers_out.www_authenticate: a new line, which
// the field then points to.
func (rq *request) setWWWAuthenticate(v string) {
	rq.out.Add("WWW-Authenticate", v)
	rq.wwwAuthSet = true
}

// dropWWWAuthenticate is what ngx_http_core_access_phase does when a module
// lets a request in under satisfy any: the line r->headers_out.www_authenticate
// points to is taken out (hash = 0), the last one set; one set before it
// (by a location an error_page came from, then again here) stays.
func (rq *request) dropWWWAuthenticate() {
	if !rq.wwwAuthSet {
		return
	}
	rq.wwwAuthSet = false
	if vs := rq.out.Values("WWW-Authenticate"); len(vs) > 1 {
		rq.out["Www-Authenticate"] = vs[:len(vs)-1]
	} else {
		rq.out.Del("WWW-Authenticate")
	}
}

// isSubrequest reports whether rq is a subrequest (nginx's r != r->main):
// auth_request's or an SSI include's.
func (rq *request) isSubrequest() bool { return rq.main != nil }

// mainRequest is rq's main request: rq itself, or the one its subrequest
// belongs to.
func (rq *request) mainRequest() *request {
	if rq.main != nil {
		return rq.main
	}
	return rq
}
