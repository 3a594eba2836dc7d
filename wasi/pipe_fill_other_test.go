//go:build !unix

package wasi_test

import (
	"io"
	"os"
	"runtime"
	"testing"
)

// fillPipe skips the test when w is an *os.File pipe: filling its buffer
// without blocking needs a non-blocking descriptor, done here only on Unix.
// An io.Pipe holds nothing, so there is nothing to fill.
func fillPipe(t *testing.T, w io.Writer) []byte {
	if _, ok := w.(*os.File); ok {
		t.Skipf("filling an OS pipe's buffer is not supported on %s", runtime.GOOS)
	}
	return nil
}
