package binary

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/wasm"
)

// FuzzDecode checks that no input panics, hangs or escapes the error type,
// and that a decoded module's bodies can be re-read with ExprReader.
// Seeds: every .wasm of the spec suite when present, and a few handmade ones.
func FuzzDecode(f *testing.F) {
	f.Add(fullWasm)
	f.Add(header)
	f.Add(module(sec(1, 1, 0x60, 1, 0x7f, 1, 0x7e), sec(3, 1, 0), sec(10, 1, 7, 1, 1, 0x7f, 0x20, 0, 0x1a, 0x0b)))
	f.Add(module(sec(9, 1, 5, 0x6f, 1, 0xd0, 0x6f, 0x0b), sec(11, 1, 1, 2, "hi")))
	f.Add(module(sec(0, 4, "name", 0, 2, 1, 'm', 1, 4, 1, 0, 1, 'f')))
	if dir, err := testsuite.SpecDir(); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsDecode(t, "fuzzed module", b, 0)
		m, err := Decode(b)
		if err != nil {
			we, ok := err.(*wasm.Error)
			// The one invalid error Decode gives: a type index past its limit.
			typeLimit := ok && we.Kind == wasm.Invalid && strings.HasPrefix(we.Msg, "unknown type ")
			if !ok || (we.Kind != wasm.Malformed && !typeLimit) {
				t.Fatalf("error %T %v is not a Malformed *wasm.Error", err, err)
			}
			return
		}
		var in wasm.Instr
		for _, c := range m.Code {
			r := NewExprReader(c.Body, c.Offset)
			for {
				err := r.Next(&in)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("body at %d decoded but does not re-read: %v", c.Offset, err)
				}
			}
		}
	})
}
