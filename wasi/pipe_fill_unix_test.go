//go:build unix

package wasi_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
)

// fillPipe fills w's buffer when w is an *os.File pipe, so that the next
// Write waits for a reader; it returns the bytes it wrote (none for an
// io.Pipe, which holds nothing).
func fillPipe(t *testing.T, w io.Writer) []byte {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	rc, err := f.SyscallConn()
	must(t, err)
	var filled []byte
	block := []byte(strings.Repeat("f", 4096))
	err = rc.Control(func(fd uintptr) {
		if err := syscall.SetNonblock(int(fd), true); err != nil {
			t.Fatal(err)
		}
		// whole pages, then single bytes into what the last page has left
		for _, b := range [][]byte{block, block[:1]} {
			for {
				n, err := syscall.Write(int(fd), b)
				if n > 0 {
					filled = append(filled, b[:n]...)
				}
				if errors.Is(err, syscall.EAGAIN) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	must(t, err)
	return filled
}
