package validate_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// deferredWalk validates m as the compiler does: ModuleDeferred, then each
// body in index order through one FuncValidator, instruction by
// instruction, read by its own ExprReader. bodyErr is the walk's first
// failure (a FuncValidator's or the reader's); err is what the compiler
// would report: ModuleDeferred's error, or after a failed walk Check's.
func deferredWalk(m *wasm.Module, off wasm.Features) (bodyErr, err error) {
	d, err := validate.ModuleDeferred(m, off)
	if err != nil {
		return nil, err
	}
	fv := d.Func()
	bodyErr = walkBodies(m, fv)
	if bodyErr != nil {
		return bodyErr, d.Check()
	}
	fv.Done()
	d.Finish()
	return nil, nil
}

func walkBodies(m *wasm.Module, fv *validate.FuncValidator) error {
	var in wasm.Instr
	for i := range m.Code {
		fi := m.NumImportedFuncs + uint32(i)
		if err := fv.Begin(fi); err != nil {
			return err
		}
		r := binary.NewExprReader(m.Code[i].Body, m.Code[i].Offset)
		r.DisableFeatures(fv.Disabled())
		for {
			// The compiler's walk: the short path first (NextShort,
			// Short), Instr for what it does not take.
			at := r.Offset()
			if op, x, imm, ok := r.NextShort(); ok {
				if fv.Short(op, x, imm, at) {
					continue
				}
				in = binary.ShortInstr(op, x, imm, at)
			} else if err := r.Next(&in); err == io.EOF {
				break
			} else if err != nil {
				// Not the validator's: the engine's own reader failed.
				return fmt.Errorf("reading the body: %v", err)
			}
			if err := fv.Instr(&in); err != nil {
				return err
			}
		}
		if err := fv.End(); err != nil {
			return err
		}
	}
	return nil
}

// sameAsModule checks that validating b with its bodies deferred gives
// what ModuleFeatures gives: the same error, or none and the same
// features; and that a walk that failed in a FuncValidator failed with the
// module's error (the bodies walked in order, the first failure is the
// lowest failing body's).
func sameAsModule(t *testing.T, where string, b []byte, off wasm.Features) {
	t.Helper()
	m1, err := binary.DecodeFeatures(b, off)
	if err != nil {
		return
	}
	m2, _ := binary.DecodeFeatures(b, off)
	sameAsModuleModel(t, where, m1, m2, off)
}

// sameAsModuleModel is sameAsModule for two copies of a module model.
func sameAsModuleModel(t *testing.T, where string, m1, m2 *wasm.Module, off wasm.Features) {
	t.Helper()
	want := validate.ModuleFeatures(m1, off)
	bodyErr, got := deferredWalk(m2, off)
	if !sameError(got, want) {
		t.Fatalf("%s: deferred bodies: %v, ModuleFeatures: %v", where, got, want)
	}
	if want == nil && m1.Features != m2.Features {
		t.Fatalf("%s: deferred bodies record features %q, ModuleFeatures %q", where, m2.Features, m1.Features)
	}
	var we *wasm.Error
	if bodyErr != nil && errors.As(bodyErr, &we) && !sameError(bodyErr, want) {
		t.Fatalf("%s: the walk failed with %v, ModuleFeatures with %v", where, bodyErr, want)
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	var x, y *wasm.Error
	if !errors.As(a, &x) || !errors.As(b, &y) {
		return a.Error() == b.Error()
	}
	return *x == *y
}

// TestDeferredMatchesModule: faults in bodies, before them and after them
// in the reference interpreter's order, several at once, and unreachable
// code (which a translator skips but validation does not): validation
// with the bodies deferred reports what validating the module reports.
func TestDeferredMatchesModule(t *testing.T) {
	for _, tc := range []struct{ name, wat string }{
		{"valid", `(memory 1) (func (export "f") (param i32) (result i32) (i32.load (local.get 0)))`},
		{"valid, features", `(func $f (return_call $f)) (tag) (func (param v128) (result v128) (local.get 0))`},
		{"body type", `(func (result i32) (i64.const 1))`},
		{"unknown local", `(func (local.get 3) (drop))`},
		{"second body", `(func) (func (result i32) (i64.const 1))`},
		{"two bodies", `(func (result i32) (i64.const 1)) (func (result i64) (i32.const 1))`},
		{"lowest of three", `(func) (func (f32.const 0) (drop) (i32.add)) (func (unreachable) (i64.const 0) (i32.eqz) (drop))`},
		{"unreachable code", `(func (unreachable) (i64.const 1) (i32.add) (drop))`},
		{"dead block", `(func (result i32) (return (i32.const 0)) (block (result i64) (i32.const 1)))`},
		{"export after body", `(func (result i32) (i64.const 1)) (export "f" (func 7))`},
		{"export, bodies valid", `(func) (export "f" (func 7))`},
		{"start after body", `(func (param i32)) (func (i32.const 0) (i64.eqz) (drop)) (start 0)`},
		{"start, bodies valid", `(func (param i32)) (start 0)`},
		{"global before body", `(global i32 (i64.const 0)) (func (result i32) (i64.const 1))`},
		{"ref.func undeclared", `(func $f) (func (ref.func $f) (drop))`},
		{"gc packed get", `(type $s (struct (field i8))) (func (param (ref $s)) (result i32) (struct.get $s 0 (local.get 0)))`},
		// What the short path (FuncValidator.Short) leaves to Instr.
		{"local of another type", `(func (local i32) (i64.const 1) (local.set 0))`},
		{"tee of another type", `(func (local i32) (f32.const 1) (local.tee 0) (drop))`},
		{"immutable global", `(global i32 (i32.const 0)) (func (i32.const 1) (global.set 0))`},
		{"global of another type", `(global (mut i64) (i64.const 0)) (func (i32.const 1) (global.set 0))`},
		{"alignment", `(memory 1) (func (i32.const 0) (i32.load align=8) (drop))`},
		{"load without memory", `(func (i32.const 0) (i64.load offset=300) (drop))`},
		{"store, valid", `(memory 1) (func (i32.const 0) (i64.const 1) (i64.store offset=200))`},
		{"store of another type", `(memory 1) (func (i32.const 0) (i32.const 1) (i64.store8))`},
		{"memory64 load", `(memory i64 1) (func (result i32) (i64.const 0) (i32.load))`},
		{"memory64 load of i32", `(memory i64 1) (func (result i32) (i32.const 0) (i32.load))`},
		{"operand of the outer frame", `(func (i32.const 1) (block (i32.eqz) (drop)))`},
		{"operands under unreachable", `(func (unreachable) (i32.add) (i64.extend_i32_u) (local.set 0)) (func (local i64))`},
		{"unreachable then short", `(func (local i64) (unreachable) (local.set 0) (i32.const 0) (global.set 0)) (global (mut i32) (i32.const 0))`},
		{"non-nullable local", `(type $t (func)) (func (local (ref $t)) (local.get 0) (drop))`},
		{"non-nullable local set", `(type $t (func)) (func $f (local (ref $t)) (ref.func $f) (local.set 0) (local.get 0) (drop)) (elem declare func $f)`},
	} {
		m, err := text.ParseModule([]byte("(module " + tc.wat + ")"))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b := binary.Encode(m)
		sameAsModule(t, tc.name, b, 0)
		sameAsModule(t, tc.name+", 3.0 off", b, wasm.AllFeatures)
	}
}
