//go:build unix

package wasi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// TestInterruptHostFIFO: a FIFO the host put under a preopen opens without
// waiting for its other end, and reads and writes on it that wait honour
// the call's context; NONBLOCK gets EAGAIN instead.
func TestInterruptHostFIFO(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			fifo := filepath.Join(root, "fifo")
			must(t, syscall.Mkfifo(fifo, 0o600))
			p := newProbeOn(t, kind, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/", Host: root}}})
			// opening for writing with no reader fails at once, as O_NONBLOCK does
			var e wasip1.Errno
			callWithin(t, "path_open a FIFO for writing", func() error { e, _ = p.open(preopenFd, "fifo", 0, 0, rightWrite, 0); return nil })
			expectErrno(t, "path_open a FIFO nobody reads", e, wasip1.ENXIO)
			var fd uint32
			callWithin(t, "path_open a FIFO", func() error {
				e, fd = p.open(preopenFd, "fifo", 0, 0, rightRead|uint64(wasip1.RightFdFdstatSetFlags), 0)
				return nil
			})
			expectErrno(t, "path_open a FIFO for reading", e, eSuccess)
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			must(t, err)
			defer w.Close()
			err = callWithin(t, "fd_read on a silent FIFO", func() error { _, err := p.readCall(deadlineCtx(t), fd, 64); return err })
			expectInterrupted(t, "fd_read on a silent FIFO", err)
			w.Write([]byte("fifo data"))
			var got string
			err = callWithin(t, "fd_read on the FIFO", func() (err error) { got, err = p.readCall(context.Background(), fd, 64); return err })
			if err != nil || got != "fifo data" {
				t.Fatalf("fd_read after an interrupted one: %q, %v", got, err)
			}
			// NONBLOCK: no wait at all
			expectErrno(t, "set NONBLOCK", p.call("fd_fdstat_set_flags", uint64(fd), uint64(wasip1.FdflagNonblock)), eSuccess)
			err = callWithin(t, "fd_read with NONBLOCK", func() error { _, err := p.readCall(context.Background(), fd, 64); return err })
			if err == nil || !strings.Contains(err.Error(), "(again)") {
				t.Fatalf("fd_read with NONBLOCK on an empty FIFO: %v, want EAGAIN", err)
			}
			// writing a FIFO whose reader never reads, past its 64 KiB buffer
			r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			must(t, err)
			defer r.Close()
			e, wfd := p.open(preopenFd, "fifo", 0, 0, rightWrite, 0)
			expectErrno(t, "path_open the FIFO for writing", e, eSuccess)
			err = callWithin(t, "fd_write to a full FIFO", func() error {
				ctx := deadlineCtx(t)
				for {
					// a write the deadline cuts short after some bytes reports them
					if err := p.writeCall(ctx, wfd, strings.Repeat("z", 60_000)); err != nil && strings.HasPrefix(err.Error(), "errno") {
						continue
					} else if err != nil {
						return err
					}
				}
			})
			expectInterrupted(t, "fd_write to a full FIFO", err)
		})
	}
}
