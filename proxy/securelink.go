//go:build unix

package proxy

// secure_link (ngx_http_secure_link_module, nginx 1.22): $secure_link
// checks a link's MD5 hash (and expiry) so that an `if` can refuse the
// request; $secure_link_expires is the expiry the link gave.

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// secureLink is the value of $secure_link for rq in its location: with
// secure_link and secure_link_md5, "1" for a link whose hash is the MD5 of
// secure_link_md5's value (base64url, as secure_link's value gives it
// before an optional ",expires") and that has not expired, "0" for one
// that has, "" otherwise; with secure_link_secret, the link part of a
// /prefix/<md5 hex>/link request URI whose MD5 with the secret is that hash.
func (h *Handler) secureLink(rq *request) string {
	lc := h.conf(rq.loc)
	if d := nearest(lc.levels, "secure_link_secret"); d != nil {
		return secureLinkOld(rq.r.RequestURI, d.Arg(0))
	}
	link, md5d := nearest(lc.levels, "secure_link"), nearest(lc.levels, "secure_link_md5")
	if link == nil || md5d == nil {
		return ""
	}
	val := h.expand(rq, link.Arg(0))
	var expires int64
	if hash, exp, ok := strings.Cut(val, ","); ok {
		n, err := strconv.ParseInt(exp, 10, 64)
		if err != nil || n <= 0 || exp[0] < '0' || exp[0] > '9' {
			return "" // ngx_atotm: digits only, and a time after 0
		}
		expires, val = n, hash
		rq.secureLinkExpires = exp
	}
	if len(val) > 24 {
		return ""
	}
	if i := strings.IndexByte(val, '='); i >= 0 {
		val = val[:i] // ngx_decode_base64url stops at padding
	}
	hash, err := base64.RawURLEncoding.DecodeString(val)
	if err != nil || len(hash) != md5.Size {
		return ""
	}
	sum := md5.Sum([]byte(h.expand(rq, md5d.Arg(0))))
	if string(hash) != string(sum[:]) {
		return ""
	}
	if expires != 0 && expires < time.Now().Unix() {
		return "0"
	}
	return "1"
}

// secureLinkOld is ngx_http_secure_link_old_variable: in the request URI
// as the client sent it, after its first segment, 32 hex digits then the
// link, whose MD5 with secret appended they must be.
func secureLinkOld(uri, secret string) string {
	if len(uri) < 1 {
		return ""
	}
	_, rest, ok := strings.Cut(uri[1:], "/")
	if !ok {
		return ""
	}
	hexHash, link, ok := strings.Cut(rest, "/")
	if !ok || len(hexHash) != 32 || link == "" {
		return ""
	}
	want, err := hex.DecodeString(hexHash)
	if err != nil {
		return ""
	}
	sum := md5.Sum([]byte(link + secret))
	if string(want) != string(sum[:]) {
		return ""
	}
	return link
}
