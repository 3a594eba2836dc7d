package serve

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// flushWriter is a ResponseWriter that records writes and flushes; the
// output's timer goroutine uses it too, always under the output's lock.
type flushWriter struct {
	mu      sync.Mutex
	header  http.Header
	status  int
	body    strings.Builder
	flushes int
	flushed chan struct{}
}

func newFlushWriter() *flushWriter {
	return &flushWriter{header: http.Header{}, flushed: make(chan struct{}, 100)}
}

func (f *flushWriter) Header() http.Header { return f.header }
func (f *flushWriter) WriteHeader(s int)   { f.mu.Lock(); f.status = s; f.mu.Unlock() }
func (f *flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.body.Write(p)
}
func (f *flushWriter) Flush() {
	f.mu.Lock()
	f.flushes++
	f.mu.Unlock()
	f.flushed <- struct{}{}
}

// TestOutputHeadAcrossWrites: a head written a byte at a time, its blank
// line split between writes, is found and parsed once.
func TestOutputHeadAcrossWrites(t *testing.T) {
	w := newFlushWriter()
	o := newOutput(w, http.NewResponseController(w), 1<<10, time.Hour)
	for _, c := range []byte("Status: 201\r\nContent-Type: a/b\r\n\r\nbody") {
		if _, err := o.Write([]byte{c}); err != nil {
			t.Fatal(err)
		}
	}
	st := o.finish()
	o.complete()
	if !st.parsed || st.status != 201 || w.status != 201 || w.body.String() != "body" || w.header.Get("Content-Type") != "a/b" {
		t.Errorf("state %+v, response %d %q %v", st, w.status, w.body.String(), w.header)
	}
	if w.flushes != 0 {
		t.Errorf("%d flushes of a response that ended at once", w.flushes)
	}
}

// TestOutputHeadTooLong: a head past the limit fails the guest's writes.
func TestOutputHeadTooLong(t *testing.T) {
	w := newFlushWriter()
	o := newOutput(w, http.NewResponseController(w), 64, time.Hour)
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = o.Write([]byte("X-Filler: 0123456789\n"))
	}
	st := o.finish()
	if err == nil || st.headErr == nil || !strings.Contains(st.headErr.Error(), "longer than 64") {
		t.Errorf("write error %v, head error %v", err, st.headErr)
	}
}

// TestOutputFlushDelay: bytes the guest wrote are flushed by the timer
// after FlushDelay, without further writes; nothing is flushed after
// finish.
func TestOutputFlushDelay(t *testing.T) {
	w := newFlushWriter()
	o := newOutput(w, http.NewResponseController(w), 1<<10, time.Millisecond)
	if _, err := o.Write([]byte("Content-Type: a/b\n\npart")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.flushed:
	case <-time.After(time.Minute):
		t.Fatal("no flush")
	}
	w.mu.Lock()
	if w.status != 200 || w.body.String() != "part" {
		t.Errorf("after the timer: %d %q", w.status, w.body.String())
	}
	w.mu.Unlock()
	o.Write([]byte("more"))
	o.finish()
	if _, err := o.Write([]byte("late")); err == nil {
		t.Error("a write after finish succeeded")
	}
}

// TestOutputHoldLimit: body bytes past holdLimit start the response
// without waiting for a flush.
func TestOutputHoldLimit(t *testing.T) {
	w := newFlushWriter()
	o := newOutput(w, http.NewResponseController(w), 1<<10, time.Hour)
	o.Write([]byte("Content-Type: a/b\n\n"))
	o.Write(make([]byte, holdLimit-1))
	o.mu.Lock()
	committed := o.committed
	o.mu.Unlock()
	if committed {
		t.Error("committed below the hold limit")
	}
	o.Write([]byte{1})
	st := o.finish()
	if !st.committed || w.body.Len() != holdLimit {
		t.Errorf("committed %v, %d bytes sent", st.committed, w.body.Len())
	}
}
