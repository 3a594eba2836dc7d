package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
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
// wasi.ContextWriter): no helper goroutine, no copy beyond what is held.
// Until the response starts, a write only appends to pending (at most
// maxHead+1 bytes of head and holdLimit of body: a larger write sends the
// rest straight from guest memory). Writes to the client end at the
// request's deadline, set on the connection before the first of them
// (armDeadline), and at once when the guest's context ends: a response
// started during the run watches that context (cut).
type output struct {
	mu       sync.Mutex
	w        http.ResponseWriter
	rc       *http.ResponseController
	maxHead  int
	delay    time.Duration // < 0: flush after every write
	deadline time.Time     // the request's; zero: none
	// deadlineSet: the connection's write deadline is the request's.
	deadlineSet bool
	sent        int // bytes given to w

	// pending holds the head until it is parsed, then the body bytes held
	// before the response starts.
	pending []byte
	scanned int // pending[:scanned] is whole head lines, none empty
	parsed  bool
	head    head
	headErr error
	// heads is the handler's cache of parsed heads (nil: none).
	heads *headCache
	// dates is the handler's Date header (nil: net/http makes it).
	dates *dateCache

	committed bool // WriteHeader done
	dirty     bool // bytes given to w or held since the last flush
	timer     *time.Timer
	armed     bool // the timer is set, and its callback has not begun
	// timerRan: the timer's callback ran for this request; timerFiring:
	// finish found it begun. Either way another goroutine has touched the
	// output, which is then not reused (see sandboxIO.release).
	timerRan, timerFiring bool
	closed                bool
	werr                  error // the client connection failed
	written               int64 // body bytes from the guest

	// ctx is the guest's context (set before it runs), which cut watches
	// once the response has started during the run, until finish.
	ctx context.Context
	cut cutter
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

// cutWrites makes the connection's writes fail now: the guest's context
// ended while the response was being written during the run.
func (o *output) cutWrites() { _ = o.rc.SetWriteDeadline(time.Now()) }

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
		// No more than a head can hold goes in before it is parsed: one
		// byte past maxHead without its end makes it too long.
		take := min(len(p), max(o.maxHead+1-len(o.pending), 0))
		o.pending = append(o.pending, p[:take]...)
		p = p[take:]
		if !o.takeHead() {
			if o.headErr != nil {
				return 0, os.ErrClosed
			}
			return n, nil
		}
		// The bytes after the head are in pending, as body, and the rest
		// of the write in p.
		o.written += int64(len(o.pending))
		o.dirty = true // at least the head is waiting
	}
	o.written += int64(len(p))
	if len(p) > 0 {
		o.dirty = true
	}
	switch {
	case o.committed:
		o.send(p)
	case len(o.pending)+len(p) < holdLimit:
		o.pending = append(o.pending, p...)
	default:
		o.commit() // sends what is held
		o.send(p)
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
	o.head, o.headErr = o.heads.parse(o.pending[:end], o.head.fields)
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
	o.armed, o.timerRan = false, true
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
	o.armDeadline()
	if err := o.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) && o.werr == nil {
		o.werr = err
	}
	o.dirty = false
}

// commit starts the response: the guest's status and headers, then the
// body bytes held so far.
func (o *output) commit() {
	if !o.closed {
		o.cut.watch(o.ctx, o.cutWrites)
	}
	h := o.w.Header()
	o.head.apply(h)
	if _, ok := h["Date"]; !ok && o.dates != nil {
		h["Date"] = o.dates.at(time.Now())
	}
	o.w.WriteHeader(o.head.status)
	o.committed = true
	o.send(o.pending)
	o.pending = o.pending[:0]
}

func (o *output) send(p []byte) {
	if len(p) == 0 || o.werr != nil {
		return
	}
	// Until its buffer is full, net/http writes nothing to the connection
	// (the head included): the deadline is needed only from there.
	if o.sent += len(p); o.sent >= bufferedByNetHTTP {
		o.armDeadline()
	}
	if _, err := o.w.Write(p); err != nil {
		o.werr = err
	}
}

// armDeadline sets the request's deadline on the connection's writes,
// before the first write that may reach it.
func (o *output) armDeadline() {
	if !o.deadlineSet && !o.deadline.IsZero() {
		o.deadlineSet = o.rc.SetWriteDeadline(o.deadline) == nil
	}
}

// setWriteDeadline sets the connection's write deadline to t (for an error
// response after the guest's part), for clearDeadline to take off.
func (o *output) setWriteDeadline(t time.Time) {
	o.deadlineSet = o.rc.SetWriteDeadline(t) == nil
}

// clearDeadline takes the request's deadline off the connection, once the
// guest's part of the response is over.
func (o *output) clearDeadline() {
	if o.deadlineSet {
		o.deadlineSet = false
		_ = o.rc.SetWriteDeadline(time.Time{})
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
	if o.timer != nil && !o.timer.Stop() && o.armed {
		o.timerFiring = true
	}
	o.cut.stop()
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

// bufferedByNetHTTP is how much of a response body net/http's
// ResponseWriter buffers before it writes to the connection (its
// bufferBeforeChunkingSize).
const bufferedByNetHTTP = 2048

// writeError answers with status and a one-line explanation, when the
// response has not started.
func writeError(w http.ResponseWriter, status int, reason string) {
	// The headers' values in one allocation, set under their canonical
	// keys (what Header.Set would do with an allocation per value).
	values := append(make([]string, 0, 3), "text/plain; charset=utf-8", "nosniff", "1")
	h := w.Header()
	h["Content-Type"] = values[0:1:1]
	h["X-Content-Type-Options"] = values[1:2:2]
	if status == http.StatusServiceUnavailable {
		h["Retry-After"] = values[2:3:3]
	}
	w.WriteHeader(status)
	text := http.StatusText(status)
	line := make([]byte, 0, 3+1+len(text)+2+len(reason)+1)
	line = strconv.AppendInt(line, int64(status), 10)
	line = append(append(append(append(append(line, ' '), text...), ": "...), reason...), '\n')
	w.Write(line)
}
