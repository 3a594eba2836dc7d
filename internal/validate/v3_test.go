package validate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// TestRules30 checks WebAssembly 3.0 validation rules on small modules, and
// the features the validator records for each.
func TestRules30(t *testing.T) {
	tests := []struct {
		name, wat string
		want      string // error prefix, "" when valid
		features  wasm.Features
	}{
		{"typed ref param", `(type $f (func)) (func (param (ref $f)))`, "", wasm.FeatureFunctionReferences},
		{"call_ref", `(type $f (func (result i32))) (func (param (ref null $f)) (result i32) (call_ref $f (local.get 0)))`, "", wasm.FeatureFunctionReferences},
		{"call_ref wrong type", `(type $f (func)) (type $g (func (param i32))) (func (param (ref $g)) (call_ref $f (local.get 0)))`, "type mismatch", 0},
		{"non-null local read before set", `(func (local (ref func)) (drop (local.get 0)))`, "uninitialized local", 0},
		{"non-null local set first", `(func $f (local (ref func)) (local.set 0 (ref.func $f)) (drop (local.get 0))) (elem declare func $f)`, "", wasm.FeatureFunctionReferences},
		{"local set in a block is forgotten at its end", `(func $f (local (ref func)) (block (local.set 0 (ref.func $f))) (drop (local.get 0))) (elem declare func $f)`, "uninitialized local", 0},
		{"ref.as_non_null", `(func (param funcref) (result (ref func)) (ref.as_non_null (local.get 0)))`, "", wasm.FeatureFunctionReferences},
		{"nullable to non-null", `(func (param funcref) (result (ref func)) (local.get 0))`, "type mismatch", 0},
		{"br_on_null", `(func (param funcref) (result (ref func)) (block (br_on_null 0 (local.get 0)) (return)) (unreachable))`, "", wasm.FeatureFunctionReferences},
		{"br_on_non_null label", `(func (param funcref) (block (result i32) (br_on_non_null 0 (local.get 0)) (i32.const 0)) (drop))`, "type mismatch", 0},
		{"return_call", `(func $f (result i32) (return_call $f))`, "", wasm.FeatureTailCall},
		{"return_call result subtype", `(func $f (result (ref func)) (unreachable)) (func (result funcref) (return_call $f))`, "", wasm.FeatureTailCall | wasm.FeatureFunctionReferences},
		{"return_call result mismatch", `(func $f (result i64) (unreachable)) (func (result i32) (return_call $f))`, "type mismatch", 0},
		{"throw", `(tag $t (param i32)) (func (throw $t (i32.const 1)))`, "", wasm.FeatureExceptions},
		{"tag with results", `(type $r (func (result i32))) (tag (type $r))`, "non-empty tag result type", 0},
		{"try_table catch", `(tag $t (param i64)) (func (result i64) (block $h (result i64) (try_table (catch $t $h) (throw $t (i64.const 1))) (i64.const 0)))`, "", wasm.FeatureExceptions},
		{"try_table catch label", `(tag $t (param i64)) (func (block $h (result i32) (try_table (catch $t $h)) (i32.const 0)) (drop))`, "type mismatch", 0},
		{"catch_all_ref", `(func (result exnref) (block $h (result (ref exn)) (try_table (catch_all_ref $h)) (unreachable)))`, "", wasm.FeatureExceptions | wasm.FeatureFunctionReferences},
		{"throw_ref", `(func (param exnref) (throw_ref (local.get 0)))`, "", wasm.FeatureExceptions},
		{"two memories", `(memory 1) (memory $m 1) (func (result i32) (i32.load $m (i32.const 0)))`, "", wasm.FeatureMultiMemory},
		{"unknown memory", `(memory 1) (func (result i32) (i32.load 1 (i32.const 0)))`, "unknown memory 1", 0},
		{"memory64 address", `(memory i64 1) (func (result i32) (i32.load (i64.const 0)))`, "", wasm.FeatureMemory64},
		{"memory64 wrong address", `(memory i64 1) (func (result i32) (i32.load (i32.const 0)))`, "type mismatch", 0},
		{"memory64 grow", `(memory i64 1) (func (result i64) (memory.grow (i64.const 1)))`, "", wasm.FeatureMemory64},
		{"memory32 offset", `(memory 1) (func (result i32) (i32.load offset=0x100000000 (i32.const 0)))`, "offset out of range", 0},
		{"table64", `(table i64 1 funcref) (func (result funcref) (table.get (i64.const 0)))`, "", wasm.FeatureMemory64},
		{"table.copy mixed", `(table $a i64 1 funcref) (table $b 1 funcref) (func (table.copy $a $b (i64.const 0) (i32.const 0) (i32.const 0)))`, "", wasm.FeatureMemory64},
		{"extended const", `(global i32 (i32.add (i32.const 1) (i32.mul (i32.const 2) (i32.const 3))))`, "", wasm.FeatureExtendedConst},
		{"not constant", `(global i32 (i32.div_s (i32.const 1) (i32.const 1)))`, "constant expression required", 0},
		{"table initialiser", `(func $f) (table 1 (ref func) (ref.func $f))`, "", wasm.FeatureFunctionReferences},
		{"non-null table without initialiser", `(table 1 (ref func))`, "type mismatch", 0},
		{"relaxed simd", `(func (param v128 v128) (result v128) (f32x4.relaxed_min (local.get 0) (local.get 1)))`, "", wasm.FeatureRelaxedSIMD},
		{"subtype", `(type $a (sub (func (result funcref)))) (type $b (sub $a (func (result (ref func)))))`, "", wasm.FeatureGC | wasm.FeatureFunctionReferences},
		{"subtype of final", `(type $a (func)) (type $b (sub $a (func)))`, "sub type 1 has final super type 0", 0},
		{"subtype mismatch", `(type $a (sub (func (result i32)))) (type $b (sub $a (func (result i64))))`, "sub type 1 does not match super type 0", 0},
		{"forward reference out of group", `(type (func (param (ref 1)))) (type (func))`, "unknown type 1", 0},
		{"recursive group", `(rec (type $a (func (param (ref $b)))) (type $b (func (param (ref $a)))))`, "", wasm.FeatureGC | wasm.FeatureFunctionReferences},
		{"struct type", `(type (struct (field i8) (field (mut i64))))`, "", wasm.FeatureGC},
		{"anyref", `(global anyref (ref.null none))`, "", wasm.FeatureGC},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := text.ParseModule([]byte("(module " + tc.wat + ")"))
			if err != nil {
				t.Fatal(err)
			}
			// Through the binary format, as an engine would see it.
			if m, err = binary.Decode(binary.Encode(m)); err != nil {
				t.Fatal(err)
			}
			err = validate.Module(m)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if m.Features != tc.features {
					t.Errorf("features %q, want %q", m.Features, tc.features)
				}
				return
			}
			var we *wasm.Error
			if !errors.As(err, &we) || we.Kind != wasm.Invalid || !strings.HasPrefix(we.Msg, tc.want) {
				t.Errorf("got %v, want invalid %q", err, tc.want)
			}
		})
	}
}

// TestFeaturesOff checks that a module using a feature turned off is
// rejected as before the feature (an opcode that did not exist is
// malformed, a rule that did not exist invalid), while the same module
// validates with it on.
func TestFeaturesOff(t *testing.T) {
	for _, tc := range []struct {
		wat string
		f   wasm.Features
	}{
		{`(func $f (return_call $f))`, wasm.FeatureTailCall},
		{`(tag)`, wasm.FeatureExceptions},
		{`(global i64 (i64.sub (i64.const 1) (i64.const 1)))`, wasm.FeatureExtendedConst},
		{`(memory i64 1)`, wasm.FeatureMemory64},
		{`(memory 1) (memory 1)`, wasm.FeatureMultiMemory},
		{`(func (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))`, wasm.FeatureRelaxedSIMD},
		{`(type $f (func)) (func (param (ref $f)))`, wasm.FeatureFunctionReferences},
	} {
		m, err := text.ParseModule([]byte("(module " + tc.wat + ")"))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Module(m); err != nil {
			t.Errorf("%s: with every feature: %v", tc.wat, err)
		}
		err = validate.ModuleFeatures(m, tc.f)
		var we *wasm.Error
		if !errors.As(err, &we) || we.Kind == wasm.Unsupported {
			t.Errorf("%s without %s: got %v", tc.wat, tc.f, err)
		}
	}
}
