package compiler_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/moat-run/moat"
)

// TestMemoryCopyFillInline checks the inline memory.copy and memory.fill
// against a model on overlapping copies in both directions, around every
// size threshold of the copy loops (16, 32, 64, 128, rep movsb) and the
// bounds.
func TestMemoryCopyFillInline(t *testing.T) {
	const src = `(module (memory (export "mem") 1)
	  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
	  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))`
	inst := instantiateText(t, compilerConfig, src)
	mem := inst.Memory("mem")
	const size = 65536
	model := make([]byte, size)
	reset := func() {
		buf := mem.Bytes()
		for i := range model {
			model[i] = byte(i*7 + i>>8)
			buf[i] = model[i]
		}
	}
	check := func(what string, d, s, n uint32) {
		t.Helper()
		buf := mem.Bytes()
		for i := range model {
			if buf[i] != model[i] {
				t.Fatalf("%s(%d, %d, %d): byte %d is %d, want %d", what, d, s, n, i, buf[i], model[i])
			}
		}
	}
	sizes := []uint32{0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 95, 96, 127, 128, 129, 159, 160, 161, 255, 256, 257, 300, 1000, 4097}
	dists := []int{0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200, 5000}
	reset()
	for _, n := range sizes {
		for _, dist := range dists {
			for _, dir := range []int{1, -1} {
				base := uint32(20000)
				d, s := base, base
				if dir > 0 {
					d += uint32(dist)
				} else {
					s += uint32(dist)
				}
				if _, err := inst.Func("copy").Call(context.Background(), uint64(d), uint64(s), uint64(n)); err != nil {
					t.Fatal(err)
				}
				copy(model[d:d+n], model[s:s+n])
				check("copy", d, s, n)
			}
		}
		d := uint32(30001)
		if _, err := inst.Func("fill").Call(context.Background(), uint64(d), 0x1a5, uint64(n)); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			model[d+i] = 0xa5
		}
		check("fill", d, 0, n)
	}
	// Out of bounds: trap before writing anything.
	for _, c := range [][3]uint32{{size - 10, 0, 11}, {0, size - 10, 11}, {size, 0, 1}, {0, 0, size + 1}, {0xffffffff, 0, 2}, {1, 1, 0xffffffff}} {
		_, err := inst.Func("copy").Call(context.Background(), uint64(c[0]), uint64(c[1]), uint64(c[2]))
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
			t.Fatalf("copy%v: got %v, want out of bounds", c, err)
		}
		check("copy", c[0], c[1], c[2])
		if uint64(c[0])+uint64(c[2]) <= size {
			continue
		}
		_, err = inst.Func("fill").Call(context.Background(), uint64(c[0]), 7, uint64(c[2]))
		if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
			t.Fatalf("fill%v: got %v, want out of bounds", c, err)
		}
		check("fill", c[0], 7, c[2])
	}
	// In bounds at the very end, and empty at the end.
	for _, c := range [][3]uint32{{size - 11, 0, 11}, {0, size - 300, 300}, {size, size, 0}} {
		if _, err := inst.Func("copy").Call(context.Background(), uint64(c[0]), uint64(c[1]), uint64(c[2])); err != nil {
			t.Fatalf("copy%v: %v", c, err)
		}
		copy(model[c[0]:c[0]+c[2]], model[c[1]:c[1]+c[2]])
		check("copy", c[0], c[1], c[2])
	}
}

// BenchmarkMemoryCopy times the inline memory.copy by length, forwards
// (disjoint) and backwards (overlapping, dst = src + 8), 1000 copies a call.
func BenchmarkMemoryCopy(b *testing.B) {
	const src = `(module (memory 4)
	  (func (export "copies") (param $d i32) (param $s i32) (param $n i32)
	    (local $i i32)
	    (loop $l
	      (memory.copy (local.get $d) (local.get $s) (local.get $n))
	      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000))))))`
	inst := instantiateText(b, compilerConfig, src)
	copies := inst.Func("copies")
	for _, n := range []uint64{64, 200, 256, 512, 1024, 4096, 16384, 65536} {
		for _, dir := range []string{"fwd", "bwd"} {
			d, s := uint64(131072), uint64(0)
			if dir == "bwd" {
				d, s = 8, 0
			}
			b.Run(fmt.Sprintf("%s/%d", dir, n), func(b *testing.B) {
				b.SetBytes(int64(n) * 1000)
				for b.Loop() {
					if _, err := copies.Call(context.Background(), d, s, n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLongBulk times memory.copy and memory.fill past abi.BulkChunk
// (256 KiB), which leave the inline code for the runtime's chunked copy:
// 10 operations a call.
func BenchmarkLongBulk(b *testing.B) {
	const src = `(module (memory 1024)
	  (func (export "copies") (param $d i32) (param $s i32) (param $n i32)
	    (local $i i32)
	    (loop $l
	      (memory.copy (local.get $d) (local.get $s) (local.get $n))
	      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))))
	  (func (export "fills") (param $d i32) (param $v i32) (param $n i32)
	    (local $i i32)
	    (loop $l
	      (memory.fill (local.get $d) (local.get $v) (local.get $n))
	      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10))))))`
	inst := instantiateText(b, compilerConfig, src)
	for _, n := range []uint64{256 << 10, 1 << 20, 16 << 20} {
		for _, op := range []string{"copy", "fill"} {
			b.Run(fmt.Sprintf("%s/%d", op, n), func(b *testing.B) {
				f, args := inst.Func("copies"), []uint64{32 << 20, 0, n}
				if op == "fill" {
					f, args = inst.Func("fills"), []uint64{0, 0x5a, n}
				}
				b.SetBytes(int64(n) * 10)
				for b.Loop() {
					if _, err := f.Call(context.Background(), args...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestMemoryFillPieces: an inline memory.fill longer than 32 KiB runs in
// pieces with a look at the goroutine's preemption word between them, and
// leaves the rest to the runtime when the Go runtime asks (here, a
// goroutine collecting all along): whichever way each fill went, the
// memory holds exactly what the fills wrote.
func TestMemoryFillPieces(t *testing.T) {
	const src = `(module (memory (export "mem") 8)
	  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))`
	inst := instantiateText(t, compilerConfig, src)
	mem := inst.Memory("mem")
	model := make([]byte, len(mem.Bytes()))
	collectAllAlong(t)
	const piece = 32 << 10
	sizes := []int{piece - 1, piece, piece + 1, 2 * piece, 2*piece + 17, 5*piece - 3, 256<<10 - 1, 256 << 10}
	for round := range 100 {
		for i, n := range sizes {
			d := (round*7919 + i*131) % (len(model) - n)
			v := byte(round*31 + i + 1)
			if _, err := inst.Func("fill").Call(context.Background(), uint64(d), uint64(v), uint64(n)); err != nil {
				t.Fatal(err)
			}
			for k := d; k < d+n; k++ {
				model[k] = v
			}
		}
	}
	buf := mem.Bytes()
	for i := range model {
		if buf[i] != model[i] {
			t.Fatalf("byte %d is %d, want %d", i, buf[i], model[i])
		}
	}
}

// TestMemoryCopyPieces: an inline memory.copy longer than 32 KiB runs in
// pieces, forwards or backwards as the copy goes, with a look at the
// goroutine's preemption word between them, and leaves the rest to the
// runtime when the Go runtime asks (here, a goroutine collecting all
// along): whichever way each copy went, overlapping or not, the memory
// holds exactly what memmove would have made of it.
func TestMemoryCopyPieces(t *testing.T) {
	const src = `(module (memory (export "mem") 8)
	  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2))))`
	inst := instantiateText(t, compilerConfig, src)
	mem := inst.Memory("mem")
	model := mem.Bytes()[:len(mem.Bytes()):len(mem.Bytes())]
	for i := range model {
		model[i] = byte(i*7 + i>>8)
	}
	model = append([]byte(nil), model...)
	collectAllAlong(t)
	const piece = 32 << 10
	sizes := []int{piece - 1, piece, piece + 1, 2 * piece, 2*piece + 17, 5*piece - 3, 256<<10 - 1, 256 << 10}
	// Source and destination: apart, overlapping with the destination
	// below (a forward copy) or above (a backward one), by odd amounts.
	shifts := []int{0, 1, -1, 33, -33, 4099, -4099, piece + 5, -(piece + 5)}
	for round := range 150 {
		for i, n := range sizes {
			for j, shift := range shifts {
				room := len(model) - n - piece - 5
				s := piece + 5 + (round*7919+i*131+j*17)%(room-piece-5)
				d := s + shift
				if shift == 0 {
					d = (s + n + round*13) % (len(model) - n)
				}
				if _, err := inst.Func("copy").Call(context.Background(), uint64(d), uint64(s), uint64(n)); err != nil {
					t.Fatal(err)
				}
				copy(model[d:d+n], model[s:s+n])
			}
		}
	}
	buf := mem.Bytes()
	for i := range model {
		if buf[i] != model[i] {
			t.Fatalf("byte %d is %d, want %d", i, buf[i], model[i])
		}
	}
}

// collectAllAlong runs runtime.GC() back to back on another goroutine
// until the test ends, so that the Go runtime keeps asking the guest's
// goroutine to stop.
func collectAllAlong(t *testing.T) {
	stop := make(chan struct{})
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-collected
	})
}
