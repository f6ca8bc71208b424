//go:build unix

package proxy

import (
	"io"
	"sync"

	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// copyBufSize is the size of the buffers bodies are copied with, and the
// largest file the static handler sends with a single write.
const copyBufSize = wire.CopyBufSize

func getCopyBuf() *[]byte  { return wire.GetBuf() }
func putCopyBuf(b *[]byte) { wire.PutBuf(b) }

// copyBody copies src to w with a pooled buffer (never through w's
// ReadFrom: the writer below net/http's would allocate its own).
func copyBody(w io.Writer, src io.Reader) (int64, error) { return wire.Copy(w, src) }

// reqBufPool holds the buffers upstream requests are built in.
var reqBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
