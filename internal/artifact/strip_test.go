package artifact

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
)

// TestStripBodies: the stripped module decodes to the same module except
// for empty bodies, and every other section is kept byte for byte.
func TestStripBodies(t *testing.T) {
	m, err := text.ParseModule([]byte(`(module $m
  (import "env" "f" (func $f (param i32)))
  (memory 1) (table 2 funcref) (global $g (mut i32) (i32.const 7))
  (func $a (export "a") (param i32) (result i32) (local i64 f32)
    (call $f (local.get 0)) (i32.add (local.get 0) (global.get $g)))
  (func $b (loop (br 0)))
  (elem (i32.const 0) $a $b)
  (data (i32.const 8) "data bytes"))`))
	if err != nil {
		t.Fatal(err)
	}
	wasm := binary.Encode(m)
	orig := append([]byte(nil), wasm...)
	stripped, err := StripBodies(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wasm, orig) {
		t.Fatal("StripBodies changed its input")
	}
	if len(stripped) >= len(wasm) {
		t.Errorf("stripped module of %d bytes, the original has %d", len(stripped), len(wasm))
	}
	a, err := binary.Decode(wasm)
	if err != nil {
		t.Fatal(err)
	}
	b, err := binary.Decode(stripped)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range b.Code {
		if len(c.Body) != 1 || c.Body[0] != 0x0b || len(c.Locals) != 0 {
			t.Errorf("body %d not emptied: %+v", i, c)
		}
	}
	if !reflect.DeepEqual(a.Types, b.Types) || !reflect.DeepEqual(a.Imports, b.Imports) || !reflect.DeepEqual(a.Exports, b.Exports) ||
		!reflect.DeepEqual(a.Funcs, b.Funcs) || !reflect.DeepEqual(a.Names, b.Names) || len(a.Datas) != len(b.Datas) ||
		!bytes.Equal(a.Datas[0].Bytes, b.Datas[0].Bytes) || len(a.Elems) != len(b.Elems) || len(a.Globals) != len(b.Globals) {
		t.Error("stripping changed more than the bodies")
	}
	for _, bad := range [][]byte{nil, []byte("\x00asm"), []byte("\x00asm\x01\x00\x00\x00\x01\xff"), []byte("\x00asm\x01\x00\x00\x00\x0a\x05\xff\xff\xff\xff\xff")} {
		if _, err := StripBodies(bad); err == nil {
			t.Errorf("StripBodies(%x) accepted", bad)
		}
	}
}
