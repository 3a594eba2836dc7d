package binary

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// vecOf is a vector of n copies of one encoded element.
func vecOf(n int, elem []byte) []byte {
	return append(appendU32(nil, uint32(n)), bytes.Repeat(elem, n)...)
}

// funcType is a type section of one function type with the given numbers
// of i32 parameters and results.
func funcType(params, results int) []byte {
	t := append([]byte{1, 0x60}, vecOf(params, []byte{0x7f})...)
	return sec(1, append(t, vecOf(results, []byte{0x7f})...))
}

// TestImplementationLimits: each limit accepts a module at it and refuses
// one past it, with a malformed-module error naming the limit, the section
// and the offset of the count.
func TestImplementationLimits(t *testing.T) {
	funcImport := []byte{1, 'm', 1, 'f', 0, 0} // "m" "f" (func type 0)
	table := []byte{0x70, 0, 0}                // funcref, min 0
	memory := []byte{0, 0}                     // min 0
	bigName := func(n int) []byte {
		im := append(appendU32(nil, uint32(n)), bytes.Repeat([]byte{'a'}, n)...)
		return append(append([]byte{1}, im...), 1, 'f', 0, 0)
	}
	body := func(size int) []byte { // a body of size bytes: no locals, nops, end
		b := append([]byte{0}, bytes.Repeat([]byte{0x01}, size-2)...)
		return append(appendU32(nil, uint32(size)), append(b, 0x0b)...)
	}
	tests := []struct {
		name string
		at   func(n int) []byte // a module with n of the limited things
		l    limit
		// count is the count the error points at (nil: n itself).
		count func(n int) int
	}{
		{"functions", func(n int) []byte {
			return module(funcType(0, 0), sec(3, vecOf(n, []byte{0})), sec(10, vecOf(n, []byte{2, 0, 0x0b})))
		}, limitFunctions, nil},
		{"imported and defined functions", func(n int) []byte {
			return module(funcType(0, 0), sec(2, vecOf(10, funcImport)), sec(3, vecOf(n-10, []byte{0})), sec(10, vecOf(n-10, []byte{2, 0, 0x0b})))
		}, limitFunctions, func(n int) int { return n - 10 }},
		{"tables", func(n int) []byte { return module(sec(4, vecOf(n, table))) }, limitTables, nil},
		{"memories", func(n int) []byte { return module(sec(5, vecOf(n, memory))) }, limitMemories, nil},
		{"globals", func(n int) []byte {
			return module(sec(6, vecOf(n, []byte{0x7f, 0, 0x41, 0, 0x0b})))
		}, limitGlobals, nil},
		{"data segments", func(n int) []byte { return module(sec(11, vecOf(n, []byte{1, 0}))) }, limitDataSegments, nil},
		{"params", func(n int) []byte { return module(funcType(n, 0)) }, limitParams, nil},
		{"results", func(n int) []byte { return module(funcType(0, n)) }, limitResults, nil},
		{"name bytes", func(n int) []byte { return module(funcType(0, 0), sec(2, bigName(n))) }, limitNameBytes, nil},
		{"body bytes", func(n int) []byte {
			return module(funcType(0, 0), sec(3, 1, 0), sec(10, append([]byte{1}, body(n)...)))
		}, limitFuncBytes, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.at(tt.l.max)); err != nil {
				t.Fatalf("at the limit (%d): %v", tt.l.max, err)
			}
			msg := fmt.Sprintf("implementation limit exceeded: %d %s in the %s section (at most %d)", tt.l.max+1, tt.l.what, tt.l.section, tt.l.max)
			we := wantMalformed(t, tt.at(tt.l.max+1), msg)
			want := tt.l.max + 1
			if tt.count != nil {
				want = tt.count(want)
			}
			b := tt.at(tt.l.max + 1)
			if got, _, _ := readU32(b[we.Offset:]); int(got) != want {
				t.Errorf("offset 0x%x reads %d, want the count %d (%v)", we.Offset, got, want, we)
			}
			if tt.l == limitFuncBytes && we.Func != 0 {
				t.Errorf("function %d, want 0", we.Func)
			} else if tt.l != limitFuncBytes && we.Func != wasm.NoFunc {
				t.Errorf("function %d, want none", we.Func)
			}
		})
	}
}
