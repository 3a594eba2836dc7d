//go:build unix

package wasip1

import (
	"context"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// pollableFd returns the host descriptor behind a reader that poll(2) can
// wait on, or -1.
func pollableFd(r io.Reader) int {
	f, ok := r.(*os.File)
	if !ok || f == nil {
		return -1
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode().IsRegular() {
		return -1
	}
	return int(f.Fd())
}

// readable waits up to wait (negative: until ctx ends) for e's stdin to
// have input, in slices so a cancelled context is noticed.
func readable(ctx context.Context, e *fdEntry, wait time.Duration) bool {
	fd := pollableFd(e.node.(*stdinNode).r)
	if fd < 0 {
		return true
	}
	deadline := time.Now().Add(wait)
	for {
		slice := 50 * time.Millisecond
		if wait >= 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return false
			}
			slice = min(slice, left)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(slice.Milliseconds())+1)
		if err != nil && err != unix.EINTR {
			return true // let the read report the problem
		}
		if n > 0 {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
	}
}
