package moat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// Bulk operations longer than a chunk (256 KiB, or 32768 table elements)
// run in chunks with a safepoint between them; on the compiler, memory.copy
// and memory.fill past a chunk leave their inline code for the runtime.
// These tests hold both engines to the plain semantics around and past the
// chunk size: exact results for overlapping copies in both directions, and
// out-of-bounds ranges trap before anything is written.

const bulkChunk = 256 << 10

// bulkWat has 5 MiB of memory, a 200,000-element table, and a passive
// element segment of 40,000 references to $f and $g alternately.
func bulkWat() string {
	var seg strings.Builder
	for i := range 40000 {
		if i%2 == 0 {
			seg.WriteString(" $f")
		} else {
			seg.WriteString(" $g")
		}
	}
	return `(module (memory (export "mem") 80)
  (table (export "tab") 200000 funcref)
  (func $f) (func $g)
  (elem $seg func` + seg.String() + `)
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tfill_f") (param i32 i32) (table.fill (local.get 0) (ref.func $f) (local.get 1)))
  (func (export "tfill_g") (param i32 i32) (table.fill (local.get 0) (ref.func $g) (local.get 1)))
  (func (export "tcopy") (param i32 i32 i32) (table.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit") (param i32 i32 i32) (table.init $seg (local.get 0) (local.get 1) (local.get 2))))`
}

func TestLongBulkMemory(t *testing.T) {
	for _, kind := range spinEngines() {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEngine(t, moat.Config{Engine: kind})
			inst, err := moat.NewStore(e).Instantiate(context.Background(), compile(t, e, bulkWat()))
			if err != nil {
				t.Fatal(err)
			}
			mem := inst.Memory("mem").Bytes()
			model := make([]byte, len(mem))
			for i := range model {
				model[i] = byte(i*7 + i>>11)
			}
			copy(mem, model)
			call := func(name string, args ...uint64) error {
				_, err := inst.Func(name).Call(context.Background(), args...)
				return err
			}
			same := func(what string) {
				t.Helper()
				if bytes.Equal(mem, model) {
					return
				}
				for i := range model {
					if mem[i] != model[i] {
						t.Fatalf("%s: byte %d is %d, want %d", what, i, mem[i], model[i])
					}
				}
			}
			sizes := []int{bulkChunk - 1, bulkChunk, bulkChunk + 1, 3*bulkChunk + 17, 4 << 20}
			for _, n := range sizes {
				for _, dist := range []int{0, 1, 31, bulkChunk - 1, bulkChunk + 3, 900000} {
					for _, up := range []bool{true, false} {
						d, s := 1000, 1000
						if up {
							d += dist
						} else {
							s += dist
						}
						if max(d, s)+n > len(mem) {
							continue
						}
						what := fmt.Sprintf("copy(%d, %d, %d)", d, s, n)
						if err := call("copy", uint64(d), uint64(s), uint64(n)); err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						copy(model[d:d+n], model[s:s+n])
						same(what)
					}
				}
				d := 77
				what := fmt.Sprintf("fill(%d, %d)", d, n)
				if err := call("fill", uint64(d), uint64(n%251), uint64(n)); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				for i := d; i < d+n; i++ {
					model[i] = byte(n % 251)
				}
				same(what)
			}
			// Out of bounds by one byte at the end: a trap, nothing written.
			n := 2*bulkChunk + 5
			for _, c := range [][3]uint64{
				{uint64(len(mem) - n + 1), 0, uint64(n)},
				{0, uint64(len(mem) - n + 1), uint64(n)},
			} {
				err := call("copy", c[0], c[1], c[2])
				var trap *moat.Trap
				if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
					t.Fatalf("copy%v: got %v, want an out-of-bounds trap", c, err)
				}
				same(fmt.Sprintf("copy%v out of bounds", c))
			}
			err = call("fill", uint64(len(mem)-n+1), 9, uint64(n))
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
				t.Fatalf("fill out of bounds: got %v, want an out-of-bounds trap", err)
			}
			same("fill out of bounds")
		})
	}
}

func TestLongBulkTable(t *testing.T) {
	for _, kind := range spinEngines() {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEngine(t, moat.Config{Engine: kind})
			inst, err := moat.NewStore(e).Instantiate(context.Background(), compile(t, e, bulkWat()))
			if err != nil {
				t.Fatal(err)
			}
			tab := inst.Table("tab")
			call := func(name string, args ...uint64) {
				t.Helper()
				if _, err := inst.Func(name).Call(context.Background(), args...); err != nil {
					t.Fatalf("%s%v: %v", name, args, err)
				}
			}
			// Tell the references apart: element 0 gets $f, 1 gets $g.
			call("tfill_f", 0, 1)
			call("tfill_g", 1, 1)
			refs := map[uint64]byte{0: 0}
			for i, v := range []byte{1, 2} {
				r, err := tab.Get(uint32(i))
				if err != nil {
					t.Fatal(err)
				}
				refs[r] = v
			}
			model := make([]byte, tab.Size())
			model[0], model[1] = 1, 2
			same := func(what string) {
				t.Helper()
				for i := range model {
					r, err := tab.Get(uint32(i))
					if err != nil {
						t.Fatal(err)
					}
					if got, ok := refs[r]; !ok || got != model[i] {
						t.Fatalf("%s: element %d is %d, want %d", what, i, got, model[i])
					}
				}
			}
			const chunk = bulkChunk / 8
			fillModel := func(at, n int, v byte) {
				for i := at; i < at+n; i++ {
					model[i] = v
				}
			}
			call("tfill_f", 10, chunk+3)
			fillModel(10, chunk+3, 1)
			call("tfill_g", 100, 2*chunk)
			fillModel(100, 2*chunk, 2)
			same("table.fill")
			for _, c := range [][3]int{{5, 0, 3*chunk + 1}, {0, 7, 3*chunk + 1}, {150000, 10, chunk}, {3, 4, chunk - 1}} {
				call("tcopy", uint64(c[0]), uint64(c[1]), uint64(c[2]))
				copy(model[c[0]:c[0]+c[2]], model[c[1]:c[1]+c[2]])
				same(fmt.Sprintf("table.copy%v", c))
			}
			call("tinit", 120000, 1, 39999)
			for i := range 39999 {
				model[120000+i] = byte(2 - i%2)
			}
			same("table.init")
		})
	}
}

// TestBulkDoesNotAllocate: bulk operations, long ones included (chunks,
// checkpoints, the compiler's builtin exits), allocate nothing per call.
func TestBulkDoesNotAllocate(t *testing.T) {
	skipAllocCountUnderRace(t)
	for _, kind := range spinEngines() {
		e := newEngine(t, moat.Config{Engine: kind})
		inst, err := moat.NewStore(e).Instantiate(context.Background(), compile(t, e, bulkWat()))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		calls := []struct {
			f     *moat.Func
			stack []uint64
		}{
			{inst.Func("fill"), []uint64{0, 1, 3*bulkChunk + 5}},
			{inst.Func("copy"), []uint64{0, 1 << 20, 3*bulkChunk + 5}},
			{inst.Func("tfill_f"), []uint64{0, 100000}},
			{inst.Func("tcopy"), []uint64{1, 0, 100000}},
			{inst.Func("tinit"), []uint64{0, 0, 40000}},
		}
		buf := make([]uint64, 3)
		allocs := testing.AllocsPerRun(20, func() {
			for _, c := range calls {
				n := copy(buf, c.stack)
				if err := c.f.CallWithStack(ctx, buf[:n]); err != nil {
					t.Fatal(err)
				}
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per round of bulk operations", kind, allocs)
		}
	}
}
