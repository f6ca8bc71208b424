//go:build unix

package proxy

import (
	"net/http"
)

// heldBodyMax bounds a body held for the filters that need it whole.
const heldBodyMax = 16 << 20

// heldBody is a response body held until the handler is done, for the
// body filters that serve runs on a whole body, in nginx's order:
// sub_filter (subfilter.go), the charset filter's recoding, then SSI
// (ssi.go). Past heldBodyMax what is held goes out recoded but otherwise
// as it is, and so does the rest, with a trace note.
type heldBody struct {
	w        http.ResponseWriter // where the result goes
	buf      []byte
	overflow bool
	sub      *subConf // nil: no sub_filter
	recode   *[256]byte
	ssi      *ssiConf // nil: no SSI
}

// hold keeps b for the filters.
func (hb *heldBody) hold(b []byte) (int, error) {
	if hb.overflow {
		return hb.w.Write(hb.recoded(b))
	}
	if len(hb.buf)+len(b) > heldBodyMax {
		hb.overflow = true
		if _, err := hb.w.Write(hb.recoded(hb.buf)); err != nil {
			return 0, err
		}
		hb.buf = nil
		return hb.w.Write(hb.recoded(b))
	}
	hb.buf = append(hb.buf, b...)
	return len(b), nil
}

func (hb *heldBody) recoded(b []byte) []byte {
	if hb.recode == nil {
		return b
	}
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = hb.recode[c]
	}
	return out
}

// finishHeld runs the filters on the body held for rq, if any, and sends
// the result. It is called once the handler is done, and before a
// response cut short ends the connection (what came is sent).
func (h *Handler) finishHeld(rq *request) {
	hb := rq.held
	if hb == nil {
		return
	}
	rq.held = nil
	if hb.overflow {
		rq.note("a body over 16 MiB for sub_filter or SSI: sent as it came")
		return
	}
	b := hb.buf
	if hb.sub != nil {
		b = h.applySub(rq, hb.sub, b)
	}
	b = hb.recoded(b)
	if hb.ssi != nil {
		b = h.runSSI(rq, *hb.ssi, b)
	}
	hb.w.Write(b)
}
