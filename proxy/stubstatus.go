//go:build unix

package proxy

// stub_status (ngx_http_stub_status_module): the connection and request
// counters of the server as plain text, and the $connections_* variables.

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// stubStatus is ngx_http_stub_status_handler: GET and HEAD only (405
// otherwise), the body discarded, the counters as nginx prints them.
func (h *Handler) stubStatus(w http.ResponseWriter, rq *request, l *nginx.Location) step {
	if rq.method != http.MethodGet && rq.method != http.MethodHead {
		return h.fail(w, rq, http.StatusMethodNotAllowed, l)
	}
	if rq.hasBody && !rq.bodyRead && http1.MalformedBuffered(rq.r.Body) {
		return h.fail(w, rq, http.StatusBadRequest, l)
	}
	var text string
	if st := http1.ServerStats(rq.r); st != nil {
		text = fmt.Sprintf("Active connections: %d \nserver accepts handled requests\n %d %d %d \nReading: %d Writing: %d Waiting: %d \n",
			st.Active.Load(), st.Accepted.Load(), st.Handled.Load(), st.Requests.Load(),
			st.Reading.Load(), st.Writing.Load(), st.Waiting.Load())
	}
	hdr := w.Header()
	addHeaders(hdr, rq.out)
	hdr.Set("Content-Type", "text/plain")
	hdr.Set("Content-Length", strconv.Itoa(len(text)))
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.WriteHeader(http.StatusOK)
	if rq.method != http.MethodHead {
		io.WriteString(hw, text)
	}
	status := http.StatusOK
	if rq.errStatus != 0 {
		status = rq.errStatus
	}
	return done(status)
}

// connectionsVariable is $connections_active, _reading, _writing or
// _waiting ("" for a request that did not come through a Server).
func connectionsVariable(r *http.Request, name string) string {
	st := http1.ServerStats(r)
	if st == nil {
		return ""
	}
	switch name {
	case "connections_active":
		return strconv.FormatInt(st.Active.Load(), 10)
	case "connections_reading":
		return strconv.FormatInt(st.Reading.Load(), 10)
	case "connections_writing":
		return strconv.FormatInt(st.Writing.Load(), 10)
	}
	return strconv.FormatInt(st.Waiting.Load(), 10)
}
