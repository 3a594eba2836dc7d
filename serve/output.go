package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// output is the guest's stdout: it parses the CGI head, then streams the
// body to the client. Body bytes are held (up to holdLimit) until the
// first flush, so that a guest failing early still gets a clean status;
// after that they go straight to the ResponseWriter. A flush happens
// FlushDelay after the first unflushed byte (from a timer goroutine, so
// every use of w is under mu), when the guest blocks (reads stdin,
// sleeps), or when the response ends.
//
// The guest's fd_write calls WriteContext on its own goroutine (it is a
// wasi.ContextWriter): no helper goroutine, no copy. Until the response
// starts, a write only appends to pending; once it has started, writes to
// the client end at the connection's write deadline (the request's), and
// at once when the guest's context ends: the response started during the
// run then watches that context (cut).
type output struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	maxHead int
	delay   time.Duration // < 0: flush after every write

	// pending holds the head until it is parsed, then the body bytes held
	// before the response starts.
	pending []byte
	scanned int // pending[:scanned] is whole head lines, none empty
	parsed  bool
	head    head
	headErr error

	committed bool // WriteHeader done
	dirty     bool // bytes given to w or held since the last flush
	timer     *time.Timer
	armed     bool
	closed    bool
	werr      error // the client connection failed
	written   int64 // body bytes from the guest

	// ctx is the guest's context (set before it runs); stopCut, once the response has started
	// during the run, stops watching it. cutMu orders cut against finish,
	// so that a cut never outlives the guest's part of the response.
	ctx     context.Context
	stopCut func() bool
	cutMu   sync.Mutex
	ended   bool // finish ran (under cutMu)
}

// holdLimit bounds the body bytes held before the response starts.
const holdLimit = 32 << 10

func newOutput(w http.ResponseWriter, rc *http.ResponseController, maxHead int, delay time.Duration) *output {
	o := &output{}
	o.init(w, rc, maxHead, delay)
	return o
}

// init readies a zero output.
func (o *output) init(w http.ResponseWriter, rc *http.ResponseController, maxHead int, delay time.Duration) {
	o.w, o.rc, o.maxHead, o.delay = w, rc, maxHead, delay
}

// WriteContext is Write for the guest's fd_write (wasi.ContextWriter).
// The call's context descends from o.ctx, which cut watches.
func (o *output) WriteContext(_ context.Context, p []byte) (int, error) { return o.Write(p) }

// cut makes the connection's writes fail now: the guest's context ended
// while the response was being written during the run.
func (o *output) cut() {
	o.cutMu.Lock()
	defer o.cutMu.Unlock()
	if !o.ended {
		_ = o.rc.SetWriteDeadline(time.Now())
	}
}

// Write takes the guest's stdout. Once the response is finished, or its
// head is invalid, or the client is gone, writes fail (the guest sees
// EPIPE or EIO) so that the guest can stop early.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.closed || o.headErr != nil:
		return 0, os.ErrClosed
	case o.werr != nil:
		return 0, o.werr
	}
	n := len(p)
	if !o.parsed {
		o.pending = append(o.pending, p...)
		if !o.takeHead() {
			if o.headErr != nil {
				return 0, os.ErrClosed
			}
			return n, nil
		}
		p = nil // the bytes after the head are in pending, as body
		o.written += int64(len(o.pending))
		o.dirty = true // at least the head is waiting
	} else {
		o.written += int64(len(p))
		o.dirty = true
	}
	if o.committed {
		o.send(p)
	} else {
		o.pending = append(o.pending, p...)
		if len(o.pending) >= holdLimit {
			o.commit()
		}
	}
	o.schedule()
	if o.werr != nil {
		return 0, o.werr
	}
	return n, nil
}

// takeHead looks for the end of the head in pending, scanning only what
// it has not scanned before; once found, it parses the head and leaves the
// bytes after it in pending. It reports whether the head is complete and
// valid; headErr says why not when it is complete or too large.
func (o *output) takeHead() bool {
	end := endOfHead(o.pending[o.scanned:])
	if end < 0 {
		if len(o.pending) > o.maxHead {
			o.headErr = fmt.Errorf("the CGI head is longer than %d bytes", o.maxHead)
			return false
		}
		if i := lastLineStart(o.pending); i > o.scanned {
			o.scanned = i
		}
		return false
	}
	end += o.scanned
	if end > o.maxHead {
		o.headErr = fmt.Errorf("the CGI head is longer than %d bytes", o.maxHead)
		return false
	}
	o.head, o.headErr = parseHead(o.pending[:end])
	if o.headErr != nil {
		return false
	}
	o.parsed = true
	rest := copy(o.pending, o.pending[end:])
	o.pending = o.pending[:rest]
	return true
}

// lastLineStart is the index just after the last LF in b (0 if none).
func lastLineStart(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i + 1
		}
	}
	return 0
}

// schedule arranges the next flush of what was just written.
func (o *output) schedule() {
	switch {
	case o.delay < 0:
		o.flushLocked()
	case o.armed:
	case o.timer == nil:
		o.armed = true
		o.timer = time.AfterFunc(o.delay, o.onTimer)
	default:
		o.armed = true
		o.timer.Reset(o.delay)
	}
}

func (o *output) onTimer() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.armed = false
	if !o.closed {
		o.flushLocked()
	}
}

// flushPending sends what the guest has written so far: called when the
// guest is about to block, so the client is not kept waiting meanwhile.
func (o *output) flushPending() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed && o.parsed && (o.dirty || !o.committed) {
		o.flushLocked()
	}
}

func (o *output) flushLocked() {
	if !o.parsed || o.werr != nil {
		return
	}
	if !o.committed {
		o.commit()
	}
	if err := o.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) && o.werr == nil {
		o.werr = err
	}
	o.dirty = false
}

// commit starts the response: the guest's status and headers, then the
// body bytes held so far.
func (o *output) commit() {
	if !o.closed && o.ctx != nil && o.stopCut == nil {
		o.stopCut = context.AfterFunc(o.ctx, o.cut)
	}
	h := o.w.Header()
	for k, v := range o.head.header {
		h[k] = v
	}
	o.w.WriteHeader(o.head.status)
	o.committed = true
	o.send(o.pending)
	o.pending = nil
}

func (o *output) send(p []byte) {
	if len(p) == 0 || o.werr != nil {
		return
	}
	if _, err := o.w.Write(p); err != nil {
		o.werr = err
	}
}

// outputState is what the handler needs to decide how a response ends.
type outputState struct {
	parsed    bool  // the head is complete and valid
	headErr   error // the head is invalid (or too long)
	committed bool  // the response has started
	status    int   // the guest's status, once parsed
	written   int64
	werr      error
}

// finish ends the guest's part: no more writes or flushes. It returns the
// state the response was left in.
func (o *output) finish() outputState {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	if o.timer != nil {
		o.timer.Stop()
	}
	if o.stopCut != nil {
		o.stopCut()
		o.cutMu.Lock()
		o.ended = true
		o.cutMu.Unlock()
	}
	return outputState{parsed: o.parsed, headErr: o.headErr, committed: o.committed,
		status: o.head.status, written: o.written, werr: o.werr}
}

// complete sends what is held of a response that stands (after finish).
// It does not flush, so net/http can still give a short response a
// Content-Length.
func (o *output) complete() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.committed {
		o.commit()
	}
}

// writeError answers with status and a one-line explanation, when the
// response has not started.
func writeError(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	io.WriteString(w, fmt.Sprintf("%d %s: %s\n", status, http.StatusText(status), reason))
}
