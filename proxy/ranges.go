//go:build unix

package proxy

// The range filter (ngx_http_range_filter_module): Range and If-Range
// for a file the static handler sends.

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/xaccel/xaccel/nginx"
)

// byteRange is a half-open range [start, end) of the file.
type byteRange struct {
	start, end int64
}

// Outcomes of ngx_http_range_parse.
const (
	rangeNone          = iota // no usable Range: a full 200 with Accept-Ranges
	rangeOK                   // 206
	rangeUnsatisfiable        // 416
	rangeDisabled             // max_ranges 0: a full 200 without Accept-Ranges
)

// requestedRanges is the range header filter's decision for a 200 response
// of the given size: whether Range applies (a "bytes=" value of at least 7
// bytes, case-insensitive, and If-Range satisfied) and what it asks for.
//
// lim is max_ranges: 0 unlimited, n at most n ranges (more: a full 200),
// noRanges for max_ranges 0 (rangeDisabled).
func requestedRanges(r *http.Request, size, mtime int64, hasMtime bool, etag string, lim rangeLimit) ([]byteRange, int) {
	if lim.none {
		return nil, rangeDisabled
	}
	v, ok := firstHeader(r, "Range")
	if !ok || len(v) < 7 || !strings.EqualFold(v[:6], "bytes=") {
		return nil, rangeNone
	}
	if ir, ok := firstHeader(r, "If-Range"); ok {
		if len(ir) >= 2 && ir[len(ir)-1] == '"' {
			if ir != etag {
				return nil, rangeNone
			}
		} else if !hasMtime || parseHTTPTime(ir) != mtime {
			return nil, rangeNone
		}
	}
	ranges, res := parseRanges(v[6:], size)
	if res == rangeOK && lim.max > 0 && len(ranges) > lim.max {
		return nil, rangeNone // ngx_http_range_parse: more than max_ranges
	}
	return ranges, res
}

// rangeLimit is max_ranges: none for 0, else max (0: unlimited).
type rangeLimit struct {
	max  int
	none bool
}

// maxRanges reads max_ranges at levels.
func maxRanges(levels []*nginx.Directive) rangeLimit {
	d := nearest(levels, "max_ranges")
	if d == nil {
		return rangeLimit{}
	}
	n, err := strconv.Atoi(d.Arg(0))
	if err != nil || n < 0 {
		return rangeLimit{}
	}
	if n == 0 {
		return rangeLimit{none: true}
	}
	return rangeLimit{max: n}
}

// parseRanges is ngx_http_range_parse over the value after "bytes=", with
// max_ranges unlimited. Spaces (not tabs) may surround numbers, '-' and ','.
// "a-b" is clipped to the size; "a-" runs to the end; "-n" is the last n
// bytes. A range that starts beyond the end is skipped, but one that is
// empty because it starts at 0 (any range of an empty file, "-0" of an
// empty file) makes the whole header ignored (200). A syntax error anywhere,
// an overflowing number, a trailing comma, or no range left gives 416.
// Ranges are kept as sent (unsorted, overlapping), but when they add up to
// more than the size the header is ignored (200).
func parseRanges(s string, size int64) ([]byteRange, int) {
	// nginx reads the NUL-terminated header value; at returns 0 past the end.
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10

	var ranges []byteRange
	var total int64
	p := 0
	for {
		var start, end int64
		suffix := false
		for at(p) == ' ' {
			p++
		}
		if at(p) != '-' {
			if !digit(at(p)) {
				return nil, rangeUnsatisfiable
			}
			for digit(at(p)) {
				d := int64(at(p) - '0')
				if start >= cutoff && (start > cutoff || d > cutlim) {
					return nil, rangeUnsatisfiable
				}
				start = start*10 + d
				p++
			}
			for at(p) == ' ' {
				p++
			}
			if at(p) != '-' {
				return nil, rangeUnsatisfiable
			}
			p++
			for at(p) == ' ' {
				p++
			}
			if at(p) == ',' || at(p) == 0 {
				end = size
				goto found
			}
		} else {
			suffix = true
			p++
		}
		if !digit(at(p)) {
			return nil, rangeUnsatisfiable
		}
		for digit(at(p)) {
			d := int64(at(p) - '0')
			if end >= cutoff && (end > cutoff || d > cutlim) {
				return nil, rangeUnsatisfiable
			}
			end = end*10 + d
			p++
		}
		for at(p) == ' ' {
			p++
		}
		if at(p) != ',' && at(p) != 0 {
			return nil, rangeUnsatisfiable
		}
		if suffix {
			if end < size {
				start = size - end
			} else {
				start = 0
			}
			end = size - 1
		}
		if end >= size {
			end = size
		} else {
			end++
		}
	found:
		if start < end {
			ranges = append(ranges, byteRange{start, end})
			if total > math.MaxInt64-(end-start) {
				return nil, rangeUnsatisfiable
			}
			total += end - start
		} else if start == 0 {
			return nil, rangeNone
		}
		c := at(p)
		p++
		if c != ',' {
			break
		}
	}
	if len(ranges) == 0 {
		return nil, rangeUnsatisfiable
	}
	if total > size {
		return nil, rangeNone
	}
	return ranges, rangeOK
}

// serveSingleRange sends a 206 with one range (headers already set).
func serveSingleRange(w http.ResponseWriter, r *http.Request, f io.ReaderAt, rg byteRange, size int64) StaticResult {
	h := w.Header()
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rg.start, rg.end-1, size))
	h.Set("Content-Length", strconv.FormatInt(rg.end-rg.start, 10))
	w.WriteHeader(http.StatusPartialContent)
	res := StaticResult{Status: http.StatusPartialContent}
	if r.Method != http.MethodHead {
		res.Bytes, _ = copyBody(w, io.NewSectionReader(f, rg.start, rg.end-rg.start))
	}
	return res
}

// boundaryCounter stands in for ngx_next_temp_number, which numbers the
// multipart boundaries of a worker.
var boundaryCounter atomic.Uint64

// serveMultipart sends a 206 multipart/byteranges body laid out exactly as
// nginx does: each part is CRLF "--" boundary CRLF, "Content-Type: " ct CRLF
// (only when there is a type), "Content-Range: bytes a-b/size" CRLF CRLF and
// the data; the body ends with CRLF "--" boundary "--" CRLF. The boundary is
// 20 digits.
func serveMultipart(w http.ResponseWriter, r *http.Request, f io.ReaderAt, ranges []byteRange, size int64, ct string) StaticResult {
	boundary := fmt.Sprintf("%020d", boundaryCounter.Add(1))
	head := "\r\n--" + boundary + "\r\n"
	if ct != "" {
		head += "Content-Type: " + ct + "\r\n"
	}
	head += "Content-Range: bytes "
	tail := "\r\n--" + boundary + "--\r\n"

	parts := make([]string, len(ranges))
	length := int64(len(tail))
	for i, rg := range ranges {
		parts[i] = fmt.Sprintf("%d-%d/%d\r\n\r\n", rg.start, rg.end-1, size)
		length += int64(len(head)+len(parts[i])) + rg.end - rg.start
	}

	h := w.Header()
	h["Content-Type"] = []string{"multipart/byteranges; boundary=" + boundary}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(http.StatusPartialContent)
	res := StaticResult{Status: http.StatusPartialContent}
	if r.Method == http.MethodHead {
		return res
	}
	for i, rg := range ranges {
		n, err := io.WriteString(w, head+parts[i])
		res.Bytes += int64(n)
		if err != nil {
			return res
		}
		m, err := copyBody(w, io.NewSectionReader(f, rg.start, rg.end-rg.start))
		res.Bytes += m
		if err != nil {
			return res
		}
	}
	n, _ := io.WriteString(w, tail)
	res.Bytes += int64(n)
	return res
}
