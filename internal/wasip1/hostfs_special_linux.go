package wasip1

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Special files under a preopen: FIFOs, character devices and sockets the
// host put there (a guest cannot create them). Reading or writing one may
// wait for another process, and opening a FIFO waits for its other end, so
// openAt opens every path O_NONBLOCK, and a special file stays non-blocking
// on the host and is handed to Go's poller (os.NewFile). A guest that did
// not ask for FDFLAGS_NONBLOCK still sees blocking reads and writes: they
// wait in the poller, and a deadline set when the call's context ends cuts
// the wait short (the interrupted trap). Nothing is lost: a read or write
// cut short moved no bytes.

// isSpecial reports whether a file of mode m is one whose I/O may wait.
func isSpecial(m uint32) bool {
	switch m & unix.S_IFMT {
	case unix.S_IFIFO, unix.S_IFCHR, unix.S_IFSOCK:
		return true
	}
	return false
}

// adoptOpened finishes openAt for the descriptor fd of mode m, opened with
// flags (O_NONBLOCK among them): a special file joins the poller; any
// other file gets O_NONBLOCK cleared, as the guest asked for nothing of it
// (a lease or a FUSE file would honour it).
func adoptOpened(fd int, m uint32, flags int, nonblock bool) (*hostNode, error) {
	n := &hostNode{fd: fd, typ: filetypeOfMode(m), nonblock: nonblock}
	if !isSpecial(m) {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_NONBLOCK); err != nil {
			return nil, err
		}
		return n, nil
	}
	// fd is non-blocking, so os.NewFile registers it with the poller
	// (unless epoll refuses it, as for /dev/null, whose I/O never waits).
	// n.fd stays the same number: f.Fd() is never called, as it would make
	// the descriptor blocking again.
	n.file = os.NewFile(uintptr(fd), "special")
	return n, nil
}

// past is a deadline that has passed.
var past = time.Unix(1, 0)

// specialIO reads or writes a special file. A guest that asked for
// NONBLOCK gets EAGAIN instead of a wait.
func (n *hostNode) specialIO(ctx context.Context, p []byte, write bool) (int, Errno) {
	if n.nonblock {
		var k int
		var err error
		if write {
			k, err = unix.Write(n.fd, p)
		} else {
			k, err = unix.Read(n.fd, p)
		}
		return max(k, 0), errnoOf(err)
	}
	// when ctx ends, a deadline in the past wakes the waiting Read or Write
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		n.file.SetDeadline(past)
		close(fired)
	})
	var k int
	var err error
	if write {
		k, err = n.file.Write(p)
	} else {
		k, err = n.file.Read(p)
	}
	if !stop() {
		<-fired // the deadline is set: clear it for the next call
		n.file.SetDeadline(time.Time{})
		if k == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, errnoInterrupted
		}
	}
	switch {
	case k > 0 || err == nil:
		return k, ESUCCESS
	case !write && errors.Is(err, io.EOF):
		return 0, ESUCCESS
	}
	return 0, errnoOf(err)
}
