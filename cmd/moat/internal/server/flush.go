package server

import (
	"io"
	"sync"
	"time"
)

// flushingWriter gathers the access log's records and writes them out
// together, at most interval after the first one (or once flushSize
// bytes are waiting), as nginx's buffered access_log does: a server
// answering thousands of requests a second then makes a write a few
// times a second instead of one per request. An interval of 0 writes
// each record at once. Writes are serialized, and a record is never
// split.
type flushingWriter struct {
	w        io.Writer
	interval time.Duration

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer
	armed  bool
	closed bool
}

// flushSize is how many bytes wait at most before they are written.
const flushSize = 64 << 10

func newFlushingWriter(w io.Writer, interval time.Duration) *flushingWriter {
	return &flushingWriter{w: w, interval: interval}
}

// Write takes one whole record.
func (f *flushingWriter) Write(p []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.interval <= 0 || f.closed {
		_, _ = f.w.Write(p)
		return
	}
	f.buf = append(f.buf, p...)
	switch {
	case len(f.buf) >= flushSize:
		f.flushLocked()
	case f.armed:
	case f.timer == nil:
		f.armed = true
		f.timer = time.AfterFunc(f.interval, f.Flush)
	default:
		f.armed = true
		f.timer.Reset(f.interval)
	}
}

// Flush writes what is waiting.
func (f *flushingWriter) Flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushLocked()
}

func (f *flushingWriter) flushLocked() {
	if f.armed {
		f.armed = false
		f.timer.Stop()
	}
	if len(f.buf) > 0 {
		_, _ = f.w.Write(f.buf)
		f.buf = f.buf[:0]
	}
}

// Close writes what is waiting; records after it are written at once.
func (f *flushingWriter) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushLocked()
	f.closed = true
}
