package serve

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// input is the guest's stdin: the request body, read from the connection
// as the guest reads, straight into the guest's buffer. Before each read
// it flushes the guest's output, since the guest may now wait for the
// client, and the client for that output.
//
// The guest's fd_read calls ReadContext on its own goroutine (it is a
// wasi.ContextReader). Reads stop at the request's deadline, and at once
// when the guest's context ends (cut). The connection's read deadline is
// set only while the body is being read: once the body is consumed,
// net/http reads the connection in the background to notice a client
// that goes away, and a deadline there would look like one.
type input struct {
	body     io.Reader
	out      *output
	rc       *http.ResponseController
	ctx      context.Context // the guest's
	deadline time.Time       // zero: none
	// armed: the connection's read deadline is set (changed under cut's
	// lock, which cutReads holds).
	armed    bool
	read     int64
	tooLarge bool // the body passed MaxRequestBody
	eof      bool // the guest read the body to its end
	cut      cutter
}

// ReadContext is Read for the guest's fd_read (wasi.ContextReader). The
// call's context descends from in.ctx, which cut watches.
func (in *input) ReadContext(_ context.Context, p []byte) (int, error) { return in.Read(p) }

func (in *input) Read(p []byte) (int, error) {
	in.out.flushPending()
	if !in.armed && in.body != http.NoBody {
		in.cut.locked(func() { in.armed = in.rc.SetReadDeadline(in.deadline) == nil })
		if in.armed {
			in.cut.watch(in.ctx, in.cutReads)
		}
	}
	n, err := in.body.Read(p)
	in.read += int64(n)
	if err != nil {
		in.eof = in.eof || err == io.EOF
		in.done()
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			in.tooLarge = true
		}
	}
	return n, err
}

// cutReads makes a read of the body fail now: the guest's context ended.
func (in *input) cutReads() {
	if in.armed {
		_ = in.rc.SetReadDeadline(time.Now())
	}
}

// done clears the read deadline once the body is consumed, or the guest
// is finished.
func (in *input) done() {
	if in.armed {
		in.cut.locked(func() {
			in.armed = false
			_ = in.rc.SetReadDeadline(time.Time{})
		})
	}
}

// closeBody closes what the guest left of a request body (r's), within
// the request's deadline and at most grace from now (at once when the
// guest's context has ended: the connection is not kept then). net/http's Close
// reads what is left up to its limit (256 KiB) so that the connection can
// take the next request; done here, while the handler runs, the
// connection's background read that reaching the end starts is stopped
// by net/http when the handler returns. Left to net/http after the
// handler, with full duplex on, that read would still be running when it
// reads the next request, and it panics ("invalid concurrent Body.Read
// call"), dropping the connection.
func (in *input) closeBody(r *http.Request, grace time.Duration) {
	if in.eof || r.Body == nil || r.Body == http.NoBody {
		return
	}
	limit := time.Now().Add(grace)
	if !in.deadline.IsZero() && in.deadline.Before(limit) {
		limit = in.deadline
	}
	if in.ctx != nil && in.ctx.Err() != nil {
		limit = time.Now()
	}
	in.cut.locked(func() { in.armed = in.rc.SetReadDeadline(limit) == nil })
	_ = r.Body.Close()
	in.done()
}

// finish ends the guest's part: no more cuts.
func (in *input) finish() {
	in.done()
	in.cut.stop()
}
