package moat_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// The array operations of WebAssembly GC whose time grows with an operand
// (array.fill, array.copy, array.init_data, array.init_elem, and array.new,
// array.new_data and array.new_elem filling a new array) run in chunks with
// a safepoint between them on both engines, as the bulk memory and table
// operations do. TestLongArrayOps holds them to the plain semantics past
// the chunk size: exact contents after each, overlapping copies in both
// directions included.

// longArrayData is the passive data segment of longArrayWat: 300,000
// bytes, more than a chunk.
func longArrayData() []byte {
	d := make([]byte, 300_000)
	for i := range d {
		d[i] = byte(i*7 + i>>11)
	}
	return d
}

// longArrayWat keeps an i8 array ($a), an i64 array ($w) and a funcref
// array ($r) in globals; hash_* fold an array's elements into a word the
// test computes alike (h = h*31 + element), a funcref element counting 1
// for $f, 2 for $g and 0 for null.
func longArrayWat() string {
	var data strings.Builder
	for _, b := range longArrayData() {
		fmt.Fprintf(&data, "\\%02x", b)
	}
	var seg strings.Builder
	for i := range 40000 {
		seg.WriteString([]string{" $f", " $g"}[i%2])
	}
	return `(module
  (type $b (array (mut i8)))
  (type $w (array (mut i64)))
  (type $r (array (mut funcref)))
  (type $one (func (result i32)))
  (table $t 1 funcref)
  (func $f (result i32) (i32.const 1))
  (func $g (result i32) (i32.const 2))
  (data $d "` + data.String() + `")
  (elem $e func` + seg.String() + `)
  (global $a (mut (ref null $b)) (ref.null $b))
  (global $w (mut (ref null $w)) (ref.null $w))
  (global $r (mut (ref null $r)) (ref.null $r))
  (func (export "new_b") (param i32 i32) (global.set $a (array.new $b (local.get 1) (local.get 0))))
  (func (export "new_data_b") (param i32 i32) (global.set $a (array.new_data $b $d (local.get 0) (local.get 1))))
  (func (export "fill_b") (param i32 i32 i32) (array.fill $b (global.get $a) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_b") (param i32 i32 i32) (array.copy $b $b (global.get $a) (local.get 0) (global.get $a) (local.get 1) (local.get 2)))
  (func (export "init_b") (param i32 i32 i32) (array.init_data $b $d (global.get $a) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "new_w") (param i32 i64) (global.set $w (array.new $w (local.get 1) (local.get 0))))
  (func (export "fill_w") (param i32 i64 i32) (array.fill $w (global.get $w) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_w") (param i32 i32 i32) (array.copy $w $w (global.get $w) (local.get 0) (global.get $w) (local.get 1) (local.get 2)))
  (func (export "new_r") (param i32) (global.set $r (array.new_default $r (local.get 0))))
  (func (export "new_elem_r") (param i32 i32) (global.set $r (array.new_elem $r $e (local.get 0) (local.get 1))))
  (func (export "init_r") (param i32 i32 i32) (array.init_elem $r $e (global.get $r) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "hash_b") (result i32) (local $i i32) (local $h i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (global.get $a))))
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (array.get_u $b (global.get $a) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $h))
  (func (export "hash_w") (result i64) (local $i i32) (local $h i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (global.get $w))))
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31)) (array.get $w (global.get $w) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $h))
  (func (export "hash_r") (result i32) (local $i i32) (local $h i32) (local $v i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (global.get $r))))
      (local.set $v (i32.const 0))
      (if (i32.eqz (ref.is_null (array.get $r (global.get $r) (local.get $i)))) (then
        (table.set $t (i32.const 0) (array.get $r (global.get $r) (local.get $i)))
        (local.set $v (call_indirect $t (type $one) (i32.const 0)))))
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $v)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $h)))`
}

func TestLongArrayOps(t *testing.T) {
	wat := longArrayWat()
	data := longArrayData()
	for _, kind := range spinEngines() {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEngine(t, moat.Config{Engine: kind})
			inst, err := moat.NewStore(e).Instantiate(context.Background(), compile(t, e, wat))
			if err != nil {
				t.Fatal(err)
			}
			call := func(name string, args ...uint64) uint64 {
				t.Helper()
				res, err := inst.Func(name).Call(context.Background(), args...)
				if err != nil {
					t.Fatalf("%s%v: %v", name, args, err)
				}
				if len(res) > 0 {
					return res[0]
				}
				return 0
			}
			var bs []byte
			checkB := func(step string) {
				t.Helper()
				var h uint32
				for _, b := range bs {
					h = h*31 + uint32(b)
				}
				if got := uint32(call("hash_b")); got != h {
					t.Errorf("%s: the i8 array's hash is %#x, want %#x", step, got, h)
				}
			}
			const n = 3*bulkChunk + 123
			call("new_b", n, 7)
			bs = bytes.Repeat([]byte{7}, n)
			checkB("array.new")
			call("init_b", 1000, 5, 290_000)
			copy(bs[1000:], data[5:5+290_000])
			checkB("array.init_data")
			// The copies move the segment's varied bytes across chunk
			// boundaries (a chunk copied in the wrong order shows).
			call("copy_b", 10, 0, 700_000) // overlapping, to a higher index
			copy(bs[10:], bs[0:700_000])
			checkB("array.copy up")
			call("copy_b", 0, 50_000, 700_000) // overlapping, to a lower index
			copy(bs[0:], bs[50_000:750_000])
			checkB("array.copy down")
			call("fill_b", 3, 0xAB, 600_000)
			copy(bs[3:], bytes.Repeat([]byte{0xAB}, 600_000))
			checkB("array.fill")
			call("new_data_b", 100, 299_000)
			bs = append([]byte(nil), data[100:100+299_000]...)
			checkB("array.new_data")

			const nw = 100_000 // 800,000 bytes
			ws := make([]uint64, nw)
			checkW := func(step string) {
				t.Helper()
				var h uint64
				for _, w := range ws {
					h = h*31 + w
				}
				if got := call("hash_w"); got != h {
					t.Errorf("%s: the i64 array's hash is %#x, want %#x", step, got, h)
				}
			}
			call("new_w", nw, 0x0123456789abcdef)
			for i := range ws {
				ws[i] = 0x0123456789abcdef
			}
			checkW("array.new")
			call("fill_w", 7, ^uint64(0), 90_000)
			for i := 7; i < 7+90_000; i++ {
				ws[i] = ^uint64(0)
			}
			checkW("array.fill")
			call("copy_w", 3, 0, 99_990)
			copy(ws[3:], ws[:99_990])
			checkW("array.copy")

			const nr = 40_000 // 320,000 bytes of references
			rs := make([]uint32, nr)
			checkR := func(step string) {
				t.Helper()
				var h uint32
				for _, r := range rs {
					h = h*31 + r
				}
				if got := uint32(call("hash_r")); got != h {
					t.Errorf("%s: the funcref array's hash is %#x, want %#x", step, got, h)
				}
			}
			call("new_elem_r", 0, nr)
			for i := range rs {
				rs[i] = uint32(1 + i%2)
			}
			checkR("array.new_elem")
			call("new_r", nr)
			clear(rs)
			call("init_r", 5, 1, 39_990)
			for i := range 39_990 {
				rs[5+i] = uint32(1 + (1+i)%2)
			}
			checkR("array.init_elem")
		})
	}
}
