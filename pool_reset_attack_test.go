package moat_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/moat-run/moat"
)

// spyWat writes its secret everywhere it can reach: its image, its first
// and last pages, pages it grows, through memory.fill, memory.copy,
// memory.init of a passive segment (then dropped), 32- and 64-bit stores
// and SIMD stores, and at the very last bytes of the grown memory.
const spyWat = `(module
  (memory (export "mem") 3 8)
  (data (i32.const 0) "SPY-IMAGE-SPY-IMAGE-SPY-IMAGE")
  (data (i32.const 70000) "spy-data-past-the-first-page")
  (data $secret "\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5\a5")
  (func (export "spray")
    (local $end i32) (local $p i32)
    ;; the initial pages, all of them
    (memory.fill (i32.const 0) (i32.const 0xa5) (i32.mul (memory.size) (i32.const 65536)))
    ;; grown pages
    (drop (memory.grow (i32.const 3)))
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (memory.fill (i32.const 196608) (i32.const 0x5a) (i32.const 65536))
    (memory.copy (i32.const 262144) (i32.const 0) (i32.const 65536))
    (memory.init $secret (i32.const 327680) (i32.const 0) (i32.const 16))
    (memory.init $secret (i32.sub (local.get $end) (i32.const 16)) (i32.const 0) (i32.const 16))
    (data.drop $secret)
    ;; a store every 4 KiB page of the grown memory, SIMD and scalar
    (local.set $p (i32.const 0))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $p) (i32.sub (local.get $end) (i32.const 16))))
      (v128.store (local.get $p) (v128.const i32x4 0xc3c3c3c3 0xc3c3c3c3 0xc3c3c3c3 0xc3c3c3c3))
      (i64.store offset=16 (local.get $p) (i64.const 0x3c3c3c3c3c3c3c3c))
      (local.set $p (i32.add (local.get $p) (i32.const 4096)))
      (br $each)))
    (v128.store (i32.sub (local.get $end) (i32.const 16)) (v128.const i64x2 -1 -1))
    (i64.store (i32.sub (local.get $end) (i32.const 24)) (i64.const -1))))`

// farSpyWat writes a few words far apart in a memory of 1 MiB (where a Go
// or Rust guest's stack lies), past the start a reset used to look at,
// after reading every other 4 KiB page (which the kernel maps to its zero
// page): the reset must find the written pages wherever they are, and
// may leave the pages only read.
const farSpyWat = `(module
  (memory (export "mem") 16 16)
  (data (i32.const 900000) "far-spy")
  (func (export "spray")
    (local $p i32) (local $acc i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $p) (i32.const 1048576)))
      (local.set $acc (i32.or (local.get $acc) (i32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 8192)))
      (br $each)))
    (i32.store (i32.const 300000) (i32.const 0xa5a5a5a5))
    (i32.store (i32.const 700000) (i32.or (local.get $acc) (i32.const 0x5a5a5a5a)))
    (i64.store (i32.const 900000) (i64.const -1))
    (i64.store (i32.const 1048568) (i64.const -1))))`

// spies are the guests that spray their secrets: their memories' first
// sizes and data. The second one's image is copied into a slot in
// explicit mode; the third's is mapped, and larger than what a reset
// keeps of an image's bytes.
var spies = []victim{
	{"spy", spyWat, 3, map[int]string{0: "SPY-IMAGE-SPY-IMAGE-SPY-IMAGE", 70000: "spy-data-past-the-first-page"}},
	{"small-spy", smallSpyWat, 1, map[int]string{100: "small-spy", 12000: "small-spy-end"}},
	{"far-spy", farSpyWat, 16, map[int]string{900000: "far-spy"}},
}

// victim is a module and its expected memory: its pages, then its data.
type victim struct {
	name  string
	wat   string
	pages int
	data  map[int]string
}

// victims are other modules that may take the spy's slot next: a smaller
// image than the spy's, no image at all, a memory larger than the spy's
// first size, and one that grows past everything the spy grew, then scans
// from inside (the guest's own loads, compiled or interpreted).
var victims = []victim{
	{"small-image", `(module (memory (export "mem") 1 8) (data (i32.const 100) "victim"))`, 1, map[int]string{100: "victim"}},
	{"no-image", `(module (memory (export "mem") 2 8))`, 2, nil},
	{"larger", `(module (memory (export "mem") 7 8) (data (i32.const 65536) "v2"))`, 7, map[int]string{65536: "v2"}},
	{"grower", `(module (memory (export "mem") 1 16)
	  (func (export "scan") (result i32)
	    (local $p i32) (local $acc i64)
	    (drop (memory.grow (i32.const 15)))
	    (block $done (loop $each
	      (br_if $done (i32.ge_u (local.get $p) (i32.const 1048576)))
	      (local.set $acc (i64.or (local.get $acc) (i64.load (local.get $p))))
	      (local.set $p (i32.add (local.get $p) (i32.const 8)))
	      (br $each)))
	    (i32.wrap_i64 (i64.or (local.get $acc) (i64.shr_u (local.get $acc) (i64.const 32))))))`, 16, nil},
}

// keepResidentModes are the pool configurations the attack runs against:
// the default, none kept resident, prefixes that end inside an image
// copied into the slot (explicit mode copies images of up to 16 KiB) and
// inside the spy's memory, and more than any memory here.
var keepResidentModes = []int64{0, -1, 8 << 10, 64 << 10, 1 << 20}

// forEachKeep runs f on an engine with a pool of one slot (so every
// instance takes the same one) in each keep-resident mode and each pooling
// engine and bounds-check mode.
func forEachKeep(t *testing.T, f func(t *testing.T, e *moat.Engine)) {
	for _, keep := range keepResidentModes {
		pc := moat.PoolingConfig{TotalMemories: 1, MaxMemorySize: 1 << 20, LinearMemoryKeepResident: keep}
		t.Run(fmt.Sprintf("keep=%d", keep), func(t *testing.T) { poolingModes(t, pc, f) })
	}
}

// smallSpyWat's image is small enough to be copied into a slot in
// explicit mode, and reaches past the first 8 KiB.
const smallSpyWat = `(module
  (memory (export "mem") 1 2)
  (data (i32.const 100) "small-spy")
  (data (i32.const 12000) "small-spy-end")
  (func (export "spray")
    (memory.fill (i32.const 0) (i32.const 0xa5) (i32.const 65536))))`

// A guest that sprays its secret over all the memory it can reach, then
// closes, leaves nothing to the next tenant of its slot, whichever way
// the slot is reset (in place, given back to the kernel, or both): each
// other module finds exactly its own data and zeros in all of its memory,
// and the spy's own next instance exactly its image. One slot, so every
// instance takes the same one.
func TestPoolResetAttack(t *testing.T) {
	ctx := context.Background()
	forEachKeep(t, func(t *testing.T, e *moat.Engine) {
		for _, sp := range spies {
			spy, spyWant := prepare(t, e, sp.wat), sp.memory()
			for _, v := range victims {
				pre, want := prepare(t, e, v.wat), v.memory()
				for round := range 3 {
					s := moat.NewStore(e)
					inst, err := spy.Instantiate(ctx, s)
					if err != nil {
						t.Fatal(err)
					}
					checkMemory(t, inst, spyWant, fmt.Sprintf("%s (before %s, round %d)", sp.name, v.name, round))
					if _, err := inst.Func("spray").Call(ctx); err != nil {
						t.Fatal(err)
					}
					if round == 1 {
						inst.Close(ctx) // the instance alone, then the store
					}
					s.Close()

					s = moat.NewStore(e)
					inst, err = pre.Instantiate(ctx, s)
					if err != nil {
						t.Fatal(err)
					}
					if f := inst.Func("scan"); f != nil {
						got, err := f.Call(ctx)
						if err != nil || got[0] != 0 {
							t.Fatalf("%s after %s, round %d: the guest's scan read %#x (%v), want 0", v.name, sp.name, round, got, err)
						}
					}
					checkMemory(t, inst, want, fmt.Sprintf("%s after %s, round %d", v.name, sp.name, round))
					s.Close()
				}
			}
		}
	})
}

// A spy's own next instances (the slot warm with its image, mapped or
// copied, restored in place where kept resident) see exactly the image,
// round after round.
func TestPoolResetSameModule(t *testing.T) {
	ctx := context.Background()
	forEachKeep(t, func(t *testing.T, e *moat.Engine) {
		for _, spy := range spies {
			pre, want := prepare(t, e, spy.wat), spy.memory()
			for round := range 4 {
				s := moat.NewStore(e)
				inst, err := pre.Instantiate(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				checkMemory(t, inst, want, fmt.Sprintf("%s, round %d", spy.name, round))
				if _, err := inst.Func("spray").Call(ctx); err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
		}
	})
}

// memory is v's memory as instantiated.
func (v victim) memory() []byte {
	b := make([]byte, v.pages*65536)
	for off, s := range v.data {
		copy(b[off:], s)
	}
	return b
}

func prepare(t *testing.T, e *moat.Engine, wat string) *moat.InstancePre {
	t.Helper()
	pre, err := moat.NewLinker(e).Prepare(compile(t, e, wat))
	if err != nil {
		t.Fatal(err)
	}
	return pre
}

// checkMemory compares inst's whole memory with want and names the first
// byte that differs.
func checkMemory(t *testing.T, inst *moat.Instance, want []byte, what string) {
	t.Helper()
	got := inst.Memory("mem").Bytes()
	if bytes.Equal(got, want) {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d bytes of memory, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: byte %#x is %#x, want %#x (the last tenant's?)", what, i, got[i], want[i])
		}
	}
}
