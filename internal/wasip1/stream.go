package wasip1

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
)

// Streams are stdin, stdout and stderr as the guest sees them: an
// io.Reader or io.Writer of the embedder's. In Go a Read or Write cannot
// be interrupted in general, so one on a reader or writer that may block
// (a pipe, a request body, a terminal: anything but memory and regular
// files) runs on a helper goroutine while the call waits for it or for its
// context to end; then the call ends with the interrupted trap and the
// transfer stays in flight. At most one transfer per stream is ever in
// flight, and the next call on the stream takes it over: a read that
// completes after its call was interrupted delivers its bytes to the next
// fd_read, and a later fd_write waits for an interrupted one first, so no
// data is lost or reordered. An interrupted fd_write reports no count (it
// traps), yet the chunk it left in flight still goes out, whole and ahead
// of any later call's bytes; of its chunks after that one, none does. A helper goroutine ends when its Read or Write
// returns; one that never returns (a pipe nobody writes or closes) is the
// only goroutine left behind, one per stream, until the embedder closes
// the reader or writer. poll_oneoff on a stdin that would wait starts a
// read of up to maxChunk bytes; what it reads waits for fd_read, and is
// gone with the sandbox if the guest never reads it.

// A ContextReader or ContextWriter given as stdio bounds its own waits: it
// returns soon after the context it is given ends. fd_read and fd_write
// call it directly, on the guest's goroutine, with no helper goroutine and
// no copy; poll_oneoff takes it as always ready. A call whose context has
// ended when it returns an error ends with the interrupted trap.
type ContextReader interface {
	ReadContext(ctx context.Context, p []byte) (int, error)
}

// ContextWriter: see ContextReader.
type ContextWriter interface {
	WriteContext(ctx context.Context, p []byte) (int, error)
}

// maxChunk bounds the host buffer of one transfer: a read asks for at most
// this much, a longer write is made of several transfers.
const maxChunk = 64 << 10

// transfer is one Read or Write running on a helper goroutine. buf, n and
// err belong to the goroutine until done is closed.
type transfer struct {
	buf  []byte
	n    int
	err  error
	done chan struct{}
}

// finished reports whether t has completed, without waiting.
func (t *transfer) finished() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// run starts op on buf in a helper goroutine; wake (the System's) is
// pinged when it completes, for a poll_oneoff that waits on many streams.
func run(buf []byte, op func([]byte) (int, error), wake chan<- struct{}) *transfer {
	t := &transfer{buf: buf, done: make(chan struct{})}
	go func() {
		t.n, t.err = op(t.buf)
		close(t.done)
		select {
		case wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}()
	return t
}

// await waits for t or for ctx to end (errnoInterrupted).
func await(ctx context.Context, t *transfer) Errno {
	select {
	case <-t.done:
		return ESUCCESS
	case <-ctx.Done():
		return errnoInterrupted
	}
}

// neverBlocks reports whether Read or Write on v returns without waiting
// for anything outside the process: the in-memory readers and writers of
// the standard library, and regular files. Those are used directly.
func neverBlocks(v any) bool {
	switch v := v.(type) {
	case nil, *bytes.Buffer, *bytes.Reader, *strings.Reader, *strings.Builder:
		return true
	case *os.File:
		fi, err := v.Stat()
		return err == nil && fi.Mode().IsRegular()
	}
	return v == io.Discard
}

// streamKind is how a stream transfers: in the caller, straight into or
// from guest memory (direct: the reader or writer never blocks), in the
// caller with the call's context (bounded: a ContextReader or
// ContextWriter), or on a helper goroutine.
type streamKind uint8

const (
	viaHelper streamKind = iota
	direct
	bounded
)

// kindOf is the kind of stream v (an io.Reader or io.Writer) makes.
func kindOf(v any, isBounded bool) streamKind {
	switch {
	case neverBlocks(v):
		return direct
	case isBounded:
		return bounded
	}
	return viaHelper
}

// inStream reads an io.Reader for fd_read and poll_oneoff. It is fd 0's
// node (stdin: the configured reader, nil for empty input).
type inStream struct {
	baseNode
	r io.Reader
	// helper is the state of reads on a helper goroutine, made only for a
	// reader that may block (neither direct nor bounded): every store
	// holds three streams, most of which never need one.
	helper *inHelper
	kind   streamKind
}

// inHelper is an inStream's reads on a helper goroutine.
type inHelper struct {
	pending *transfer // the read in flight, or done and not yet taken
	ahead   []byte    // bytes read and not yet delivered (they alias buf)
	buf     []byte    // the one read buffer, reused
	sys     *System   // its wake channel
}

func (s *inStream) init(r io.Reader) {
	_, isBounded := r.(ContextReader)
	s.r, s.kind = r, kindOf(r, isBounded)
}

// adopt makes s, a stream of sys's own, ready to read through a helper
// goroutine when it needs one.
func (s *inStream) adopt(sys *System) {
	if s.kind == viaHelper {
		s.helper = &inHelper{sys: sys}
	}
}

// read fills p from what is read ahead, or from one Read. A Read that
// returns bytes and an error delivers the bytes; the next Read meets the
// error again (as io.Reader callers expect). EOF is 0 bytes.
func (s *inStream) read(ctx context.Context, p []byte) (int, Errno) {
	if s.r == nil || len(p) == 0 {
		return 0, ESUCCESS
	}
	switch s.kind {
	case direct:
		return readResult(s.r.Read(p))
	case bounded:
		n, err := s.r.(ContextReader).ReadContext(ctx, p)
		if err != nil && n == 0 && ctx.Err() != nil {
			return 0, errnoInterrupted
		}
		return readResult(n, err)
	}
	h := s.helper
	if len(h.ahead) == 0 {
		h.start(s.r, len(p))
		if errno := await(ctx, h.pending); errno != ESUCCESS {
			return 0, errno
		}
		t := h.pending
		h.pending = nil
		if t.n == 0 {
			return readResult(0, t.err)
		}
		h.ahead = t.buf[:t.n]
	}
	n := copy(p, h.ahead)
	h.ahead = h.ahead[n:]
	return n, ESUCCESS
}

// start begins a read of r of up to size bytes unless one is in flight
// or bytes are waiting.
func (h *inHelper) start(r io.Reader, size int) {
	if h.pending != nil || len(h.ahead) > 0 {
		return
	}
	size = min(size, maxChunk)
	if cap(h.buf) < size {
		h.buf = make([]byte, size)
	}
	h.pending = run(h.buf[:size], r.Read, h.sys.wakeup())
}

// readReady reports whether fd_read would return without waiting, and how
// many bytes it would return when known. When it would wait, a read is
// started so that the stream becomes ready by itself (and pings wake).
func (s *inStream) readReady() (bool, uint64) {
	h := s.helper
	switch {
	case s.r == nil || h == nil:
		return true, 0
	case len(h.ahead) > 0:
		return true, uint64(len(h.ahead))
	case h.pending != nil && h.pending.finished():
		return true, uint64(h.pending.n)
	}
	h.start(s.r, maxChunk)
	return false, 0
}

func readResult(n int, err error) (int, Errno) {
	if err != nil && !errors.Is(err, io.EOF) && n == 0 {
		return 0, errnoOf(err)
	}
	return n, ESUCCESS
}

// outStream writes an io.Writer for fd_write and poll_oneoff. It is the
// node of fd 1 or 2 (stdout or stderr: the configured writer, nil
// discards).
type outStream struct {
	baseNode
	w      io.Writer
	helper *outHelper // as inStream's: only for a writer that may block
	kind   streamKind
}

// outHelper is an outStream's writes on a helper goroutine.
type outHelper struct {
	pending *transfer // an interrupted write still in flight
	buf     []byte    // the one write buffer: guest memory is copied here
	sys     *System   // its wake channel
}

func (s *outStream) init(w io.Writer) {
	_, isBounded := w.(ContextWriter)
	s.w, s.kind = w, kindOf(w, isBounded)
}

// adopt makes s, a stream of sys's own, ready to write through a helper
// goroutine when it needs one.
func (s *outStream) adopt(sys *System) {
	if s.kind == viaHelper {
		s.helper = &outHelper{sys: sys}
	}
}

// write writes all of p (nil writer: discards), in transfers of at most
// maxChunk bytes, after any interrupted write has finished.
func (s *outStream) write(ctx context.Context, p []byte) (int, Errno) {
	if s.w == nil {
		return len(p), ESUCCESS
	}
	switch s.kind {
	case direct:
		return writeResult(s.w.Write(p))
	case bounded:
		n, err := s.w.(ContextWriter).WriteContext(ctx, p)
		if err != nil && n == 0 && ctx.Err() != nil {
			return 0, errnoInterrupted
		}
		return writeResult(n, err)
	}
	h := s.helper
	if h.pending != nil {
		// its outcome went to no one: the call that started it trapped
		if errno := await(ctx, h.pending); errno != ESUCCESS {
			return 0, errno
		}
		h.pending = nil
	}
	total := 0
	for total < len(p) {
		chunk := min(len(p)-total, maxChunk)
		if cap(h.buf) < chunk {
			h.buf = make([]byte, chunk)
		}
		buf := h.buf[:chunk]
		copy(buf, p[total:])
		h.pending = run(buf, s.w.Write, h.sys.wakeup())
		if errno := await(ctx, h.pending); errno != ESUCCESS {
			return 0, errno
		}
		t := h.pending
		h.pending = nil
		total += t.n
		if t.err != nil && total == 0 {
			return writeResult(0, t.err)
		}
		if t.err != nil || t.n < chunk {
			break // a short write: report what went out
		}
	}
	return total, ESUCCESS
}

// writeReady reports whether fd_write would start at once.
func (s *outStream) writeReady() bool {
	h := s.helper
	return h == nil || h.pending == nil || h.pending.finished()
}

func writeResult(n int, err error) (int, Errno) {
	if err == nil || n > 0 {
		return n, ESUCCESS
	}
	if errors.Is(err, os.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
		return 0, EPIPE
	}
	return 0, errnoOf(err)
}
