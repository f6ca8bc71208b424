//go:build unix

package proxy

// The not-modified filter (ngx_http_not_modified_filter_module): the
// conditional request headers against a file's Last-Modified and ETag.

import (
	"net/http"
	"strings"
	"time"
)

// httpTime formats a Unix time as nginx's ngx_http_time does (for the years
// 1970 to 9999, the same as http.TimeFormat).
func httpTime(t int64) string {
	return time.Unix(t, 0).UTC().Format(http.TimeFormat)
}

// firstHeader returns the first value of a request header and whether the
// header is present at all (nginx keeps the first Range, If-Range and
// User-Agent line; duplicate If-* lines are a 400 before any handler runs).
func firstHeader(r *http.Request, name string) (string, bool) {
	vs, ok := r.Header[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// notModified is the not-modified filter for a 200 response: it returns
// 412, 304, or 0 to go on.
//
// ims is if_modified_since: "off" never answers 304 to If-Modified-Since,
// "before" also when the file is older than its date, anything else is
// "exact" (nginx's default): the very same second only.
func notModified(r *http.Request, mtime int64, etag, ims string) int {
	if v, ok := firstHeader(r, "If-Unmodified-Since"); ok {
		if !(parseHTTPTime(v) >= mtime) {
			return http.StatusPreconditionFailed
		}
	}
	if v, ok := firstHeader(r, "If-Match"); ok {
		if !etagListMatch(v, etag, false) {
			return http.StatusPreconditionFailed
		}
	}
	since, hasIMS := firstHeader(r, "If-Modified-Since")
	inm, hasINM := firstHeader(r, "If-None-Match")
	if !hasIMS && !hasINM {
		return 0
	}
	// ngx_http_test_if_modified
	if hasIMS {
		switch t := parseHTTPTime(since); {
		case ims == "off":
			return 0
		case t == mtime:
		case ims == "before" && t > mtime:
		default:
			return 0
		}
	}
	if hasINM && !etagListMatch(inm, etag, true) {
		return 0
	}
	return http.StatusNotModified
}

// etagListMatch is ngx_http_test_if_match: "*" alone matches; otherwise the
// comma-separated list is scanned for an entry that is the ETag byte for
// byte, followed only by spaces or tabs up to the next comma or the end.
// With weak, a "W/" before an entry is skipped. The scan stops, failing, as
// soon as what is left of the list is shorter than the ETag.
func etagListMatch(list, etag string, weak bool) bool {
	if list == "*" {
		return true
	}
	if weak && len(etag) > 2 && strings.HasPrefix(etag, "W/") {
		etag = etag[2:]
	}
	i, n := 0, len(list)
	for i < n {
		if weak && n-i > 2 && list[i] == 'W' && list[i+1] == '/' {
			i += 2
		}
		if len(etag) > n-i {
			return false
		}
		if list[i:i+len(etag)] == etag {
			j := i + len(etag)
			for j < n && (list[j] == ' ' || list[j] == '\t') {
				j++
			}
			if j == n || list[j] == ',' {
				return true
			}
			i = j
		}
		for i < n && list[i] != ',' {
			i++
		}
		for i < n && (list[i] == ' ' || list[i] == '\t' || list[i] == ',') {
			i++
		}
	}
	return false
}

// parseHTTPTime is ngx_parse_http_time: RFC 1123 ("Sun, 06 Nov 1994
// 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
// ("Sun Nov  6 08:49:37 1994") dates, with nginx's leniency (the weekday and
// what follows the time are not checked, a month is known by one to three
// letters) and -1 (NGX_ERROR) for anything it rejects.
func parseHTTPTime(s string) int64 {
	const (
		fmtNone = iota
		fmtRFC822
		fmtRFC850
		fmtISOC
	)
	at := func(i int) byte {
		if i >= 0 && i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(i int) bool { return '0' <= at(i) && at(i) <= '9' }
	num := func(i, n int) uint64 {
		var v uint64
		for k := 0; k < n; k++ {
			v = v*10 + uint64(at(i+k)-'0')
		}
		return v
	}
	end := len(s)
	format := fmtNone
	p := 0
	for ; p < end; p++ {
		if s[p] == ',' {
			break
		}
		if s[p] == ' ' {
			format = fmtISOC
			break
		}
	}
	for p++; p < end; p++ {
		if s[p] != ' ' {
			break
		}
	}
	if end-p < 18 {
		return -1
	}
	var day, year, hour, min, sec uint64
	if format != fmtISOC {
		if !digit(p) || !digit(p+1) {
			return -1
		}
		day = num(p, 2)
		p += 2
		switch at(p) {
		case ' ':
			if end-p < 18 {
				return -1
			}
			format = fmtRFC822
		case '-':
			format = fmtRFC850
		default:
			return -1
		}
		p++
	}

	var month int64
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return -1
	}
	p += 3
	if (format == fmtRFC822 && at(p) != ' ') || (format == fmtRFC850 && at(p) != '-') {
		return -1
	}
	p++

	switch format {
	case fmtRFC822:
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return -1
		}
		year = num(p, 4)
		p += 4
	case fmtRFC850:
		if !digit(p) || !digit(p+1) {
			return -1
		}
		year = num(p, 2)
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case fmtISOC:
		if at(p) == ' ' {
			p++
		}
		if !digit(p) {
			return -1
		}
		day = num(p, 1)
		p++
		if at(p) != ' ' {
			if !digit(p) {
				return -1
			}
			day = day*10 + num(p, 1)
			p++
		}
		if end-p < 14 {
			return -1
		}
	}

	if at(p) != ' ' {
		return -1
	}
	p++
	if !digit(p) || !digit(p+1) {
		return -1
	}
	hour = num(p, 2)
	p += 2
	if at(p) != ':' {
		return -1
	}
	p++
	if !digit(p) || !digit(p+1) {
		return -1
	}
	min = num(p, 2)
	p += 2
	if at(p) != ':' {
		return -1
	}
	p++
	if !digit(p) || !digit(p+1) {
		return -1
	}
	sec = num(p, 2)
	if format == fmtISOC {
		p += 2
		if at(p) != ' ' {
			return -1
		}
		p++
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return -1
		}
		year = num(p, 4)
	}

	if hour > 23 || min > 59 || sec > 59 {
		return -1
	}
	mdays := [12]uint64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return -1
		}
	} else if day > mdays[month] {
		return -1
	}

	// Gauss' formula, with the year starting on March 1st, in nginx's
	// unsigned arithmetic.
	month--
	if month <= 0 {
		month += 12
		year--
	}
	days := 365*year + year/4 - year/100 + year/400 + uint64(367*month/12) - 30 + day - 1 - 719527 + 31 + 28
	return int64(days*86400 + hour*3600 + min*60 + sec)
}
