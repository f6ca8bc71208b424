//go:build unix

package proxy

import (
	"fmt"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The split_clients module (ngx_http_split_clients_module):
// `split_clients STRING $name { 0.5% a; 2% b; * c; }` at the http level
// makes $name the value of the part where MurmurHash2 of STRING (variables
// expanded) falls: the parts share the hash's range in their order by
// their percentages (two decimals at most, 100% in all at most), `*` takes
// the rest; past the parts the value is "".

// splitDef is one split_clients block.
type splitDef struct {
	source string
	parts  []splitPart
}

type splitPart struct {
	upTo  uint32 // the hash is below it (0: `*`, every hash)
	value string
}

// collectSplits reads the split_clients blocks of the http level; one
// nginx refuses is an error with its position.
func collectSplits(srv *nginx.Server) (map[string]*splitDef, error) {
	if srv.HTTP == nil {
		return nil, nil
	}
	splits := map[string]*splitDef{}
	for _, d := range srv.HTTP.Find("split_clients") {
		if !d.IsBlock || len(d.Args) != 2 || !strings.HasPrefix(d.Args[1], "$") {
			continue
		}
		sd := &splitDef{source: d.Args[0]}
		var sum, last uint64
		for _, e := range d.Block {
			if e.Name == "include" {
				continue // its lines follow it in the block
			}
			if len(e.Args) != 1 {
				return nil, fmt.Errorf("%s: invalid number of the split_clients parameters", e.Pos)
			}
			var percent uint64
			if e.Name != "*" {
				p, ok := parsePercent(e.Name)
				if !ok {
					return nil, fmt.Errorf("%s: invalid percent value \"%s\"", e.Pos, e.Name)
				}
				percent = p
			}
			if percent != 0 {
				sum += percent
			} else {
				sum = 10000
			}
			if sum > 10000 {
				return nil, fmt.Errorf("%s: percent total is greater than 100%%", e.Pos)
			}
			part := splitPart{value: e.Arg(0)}
			if percent != 0 {
				last += percent * 0xffffffff / 10000
				part.upTo = uint32(last)
			}
			sd.parts = append(sd.parts, part)
		}
		splits[d.Args[1][1:]] = sd
	}
	return splits, nil
}

// parsePercent is ngx_atofp(value without its '%', 2): hundredths of a
// percent.
func parsePercent(s string) (uint64, bool) {
	s, ok := strings.CutSuffix(s, "%")
	if !ok || s == "" {
		return 0, false
	}
	whole, frac, dot := strings.Cut(s, ".")
	if len(frac) > 2 || dot && frac == "" && whole == "" {
		return 0, false
	}
	var n uint64
	for _, c := range whole + frac + strings.Repeat("0", 2-len(frac)) {
		if c < '0' || c > '9' || n > 1<<40 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// splitValue is $name of split_clients s for rq.
func (h *Handler) splitValue(rq *request, s *splitDef) string {
	hash := murmurHash2([]byte(h.expand(rq, s.source)))
	for _, p := range s.parts {
		if hash < p.upTo || p.upTo == 0 {
			return p.value
		}
	}
	return ""
}

// murmurHash2 is ngx_murmur_hash2.
func murmurHash2(data []byte) uint32 {
	const m = 0x5bd1e995
	h := uint32(len(data))
	for len(data) >= 4 {
		k := uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24
		k *= m
		k ^= k >> 24
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
