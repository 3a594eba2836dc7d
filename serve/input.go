package serve

import (
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
// Reads stop at the request's deadline. The connection's read deadline
// is set only while the body is being read: once the body is consumed,
// net/http reads the connection in the background to notice a client
// that goes away, and a deadline there would look like one.
type input struct {
	body     io.Reader
	out      *output
	rc       *http.ResponseController
	deadline time.Time // zero: none
	armed    bool      // the connection's read deadline is set
	read     int64
	tooLarge bool // the body passed MaxRequestBody
}

func (in *input) Read(p []byte) (int, error) {
	in.out.flushPending()
	if !in.deadline.IsZero() && !in.armed {
		in.armed = in.rc.SetReadDeadline(in.deadline) == nil
	}
	n, err := in.body.Read(p)
	in.read += int64(n)
	if err != nil {
		in.done()
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			in.tooLarge = true
		}
	}
	return n, err
}

// done clears the read deadline once the body is consumed, or the guest
// is finished.
func (in *input) done() {
	if in.armed {
		in.armed = false
		_ = in.rc.SetReadDeadline(time.Time{})
	}
}
