package proxy

import (
	"bufio"
	"io"
	"sync"
)

// copyBufSize is the size of the buffers bodies are copied with, and the
// largest file the static handler sends with a single write.
const copyBufSize = 32 << 10

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

func getCopyBuf() *[]byte  { return copyBufPool.Get().(*[]byte) }
func putCopyBuf(b *[]byte) { copyBufPool.Put(b) }

// writerOnly hides the ReadFrom of a writer from io.Copy.
type writerOnly struct{ io.Writer }

// copyBody copies src to w with a pooled buffer (never through w's
// ReadFrom: the writer below net/http's would allocate its own).
func copyBody(w io.Writer, src io.Reader) (int64, error) {
	b := getCopyBuf()
	defer putCopyBuf(b)
	return io.CopyBuffer(writerOnly{w}, src, *b)
}

// upstreamReaderSize is the buffer an upstream response is read with.
const upstreamReaderSize = 16 << 10

var upstreamReaderPool sync.Pool

func getUpstreamReader(r io.Reader) *bufio.Reader {
	if br, ok := upstreamReaderPool.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, upstreamReaderSize)
}

func putUpstreamReader(br *bufio.Reader) {
	br.Reset(nil)
	upstreamReaderPool.Put(br)
}

// reqBufPool holds the buffers upstream requests are built in.
var reqBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
