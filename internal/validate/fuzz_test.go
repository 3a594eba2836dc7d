package validate_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// handmadeSeeds are small modules that reach the body validator quickly.
var handmadeSeeds = []string{
	`(module (func (result i32) i32.const 1 i32.const 2 i32.add))`,
	`(module (memory 1) (func (result i32) i32.const 0 i32.load))`,
	`(module (func block (result i32) unreachable br_table 0 0 end drop))`,
	// garbage collection: types, allocation, access, casts, constant expressions
	`(module (rec (type $s (sub (struct (field i32) (field (mut (ref null $s)))))) (type $t (sub $s (struct (field i32) (field (mut (ref null $s))) (field i8)))))
	  (type $a (array (mut i16))) (data $d "abcd") (global (ref $a) (array.new_fixed $a 2 (i32.const 1) (i32.const 2)))
	  (func (param anyref) (result i32) (local $x (ref null $s))
	    (local.set $x (struct.new $t (i32.const 1) (ref.null $s) (i32.const 7)))
	    (drop (block (result (ref $t)) (br_on_cast 0 anyref (ref $t) (local.get 0)) (drop) (struct.new_default $t)))
	    (array.set $a (array.new_data $a $d (i32.const 0) (i32.const 2)) (i32.const 0) (i32.const 5))
	    (i32.add (ref.test (ref $t) (local.get $x)) (i31.get_s (ref.cast (ref i31) (local.get 0))))))`,
}

// wat2wasm converts a module in the text format to the binary format.
func wat2wasm(tb testing.TB, wat string) []byte {
	tb.Helper()
	m, err := text.ParseModule([]byte(wat))
	if err != nil {
		tb.Fatal(err)
	}
	return binary.Encode(m)
}

// FuzzValidate decodes and validates arbitrary bytes: it must never panic,
// must return only *wasm.Error, and must give the same answer twice.
func FuzzValidate(f *testing.F) {
	for _, s := range handmadeSeeds {
		f.Add(wat2wasm(f, s))
	}
	if dir, err := testsuite.SpecDir(); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := binary.Decode(b)
		if err != nil {
			return
		}
		err1 := validate.Module(m)
		if err1 != nil {
			var we *wasm.Error
			if !errors.As(err1, &we) {
				t.Fatalf("error is %T, not *wasm.Error: %v", err1, err1)
			}
		}
		err2 := validate.Module(m)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("validation is not deterministic: %v then %v", err1, err2)
		}
		sameAsModule(t, "fuzzed module", b, 0)
	})
}

func TestHandmadeSeedsValidate(t *testing.T) {
	for i, s := range handmadeSeeds {
		m, err := binary.Decode(wat2wasm(t, s))
		if err != nil {
			t.Fatalf("seed %d: decode: %v", i, err)
		}
		if err := validate.Module(m); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}

// bodyModule wraps a fuzzed function body in a module with something in
// every index space, so that the mutations exercise the body validator
// rather than the decoder.
func bodyModule(typ byte, body []byte) *wasm.Module {
	v := []wasm.ValType{wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128, wasm.FuncRef, wasm.ExternRef}
	return &wasm.Module{
		Types: wasm.PlainTypes(
			wasm.FuncType{},
			wasm.FuncType{Params: v[:1], Results: v[:1]},
			wasm.FuncType{Params: v[:2], Results: []wasm.ValType{wasm.F32, wasm.V128}},
			wasm.FuncType{Results: v[:1]},
			wasm.FuncType{Params: v, Results: v},
		),
		Funcs:    []uint32{0, uint32(typ) % 5},
		Memories: []wasm.MemoryType{{Limits: wasm.Limits{Min: 1}}},
		Tables:   []wasm.Table{{Type: wasm.TableType{Elem: wasm.FuncRef}}, {Type: wasm.TableType{Elem: wasm.ExternRef}}},
		Globals: []wasm.Global{
			{Type: wasm.GlobalType{Val: wasm.I32}, Init: i32Const(0)},
			{Type: wasm.GlobalType{Val: wasm.I64, Mutable: true}, Init: expr(wasm.Instr{Op: wasm.OpI64Const})},
			{Type: wasm.GlobalType{Val: wasm.V128, Mutable: true}, Init: expr(wasm.Instr{Op: wasm.OpV128Const})},
		},
		Exports:      []wasm.Export{{Name: "f", Kind: wasm.ExternFunc}},
		Elems:        []wasm.ElemSegment{{Mode: wasm.ElemPassive, Type: wasm.FuncRef}, {Mode: wasm.ElemPassive, Type: wasm.ExternRef}},
		Datas:        []wasm.DataSegment{{Mode: wasm.DataPassive}},
		HasDataCount: true,
		DataCount:    1,
		Code: []wasm.Code{
			{Body: []byte{0x0b}},
			{Locals: []wasm.LocalEntry{{Count: 2, Type: wasm.I32}, {Count: 1, Type: wasm.I64}, {Count: 1, Type: wasm.V128}, {Count: 1, Type: wasm.FuncRef}},
				NumLocals: 5, Body: body, Offset: 64},
		},
	}
}

// FuzzValidateBody validates arbitrary function bodies: never a panic, only
// *wasm.Error, and the same answer twice.
func FuzzValidateBody(f *testing.F) {
	f.Add(byte(0), []byte{0x0b})
	f.Add(byte(1), []byte{0x20, 0, 0x41, 1, 0x6a, 0x0b})
	f.Add(byte(2), []byte{0x02, 2, 0x43, 0, 0, 0, 0, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x0b})
	f.Add(byte(3), []byte{0x02, 0x7f, 0x00, 0x0e, 1, 0, 1, 0x0b, 0x0b})
	f.Add(byte(0), []byte{0xd2, 0, 0x1a, 0x41, 0, 0x25, 0, 0x1a, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 12, 0, 0, 0x0b})
	f.Add(byte(0), []byte{0x41, 0, 0x04, 0x40, 0x05, 0x0b, 0x03, 0x40, 0x0b, 0x0b})
	f.Add(byte(4), []byte{0x20, 4, 0xfd, 0x1b, 3, 0x1a, 0x00, 0x0b})
	f.Add(byte(0), []byte{0x41, 0, 0x28, 2, 0, 0x1a, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0xfc, 9, 0, 0x0b})
	f.Fuzz(func(t *testing.T, typ byte, body []byte) {
		err1 := validate.Module(bodyModule(typ, body))
		if err1 != nil {
			var we *wasm.Error
			if !errors.As(err1, &we) {
				t.Fatalf("error is %T, not *wasm.Error: %v", err1, err1)
			}
		}
		err2 := validate.Module(bodyModule(typ, body))
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("validation is not deterministic: %v then %v", err1, err2)
		}
		sameAsModuleModel(t, "fuzzed body", bodyModule(typ, body), bodyModule(typ, body), 0)
	})
}
