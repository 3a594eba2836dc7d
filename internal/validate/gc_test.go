package validate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// gcTypes declares the types the GC validation cases use.
const gcTypes = `
  (type $s (struct (field i32) (field (mut i8)) (field (mut anyref))))
  (type $a (array (mut i16)))
  (type $ai (array i32))
  (type $ar (array (mut (ref null $s))))
  (type $f (func))
  (elem $e (ref null $s))
  (data $d "abcd")`

// TestGCValidation checks the typing rules of the garbage-collection
// instructions, one valid and one invalid use at a time.
func TestGCValidation(t *testing.T) {
	for _, tc := range []struct {
		body  string
		valid bool
		msg   string // part of the error message when invalid
	}{
		{`(func (result (ref $s)) (struct.new $s (i32.const 1) (i32.const 2) (ref.null any)))`, true, ""},
		{`(func (result (ref $s)) (struct.new $s (i32.const 1) (i32.const 2)))`, false, "type mismatch"},
		{`(func (result i32) (struct.get_u $s 1 (struct.new_default $s)))`, true, ""},
		{`(func (result i32) (struct.get $s 1 (struct.new_default $s)))`, false, "packed"},
		{`(func (result i32) (struct.get_s $s 0 (struct.new_default $s)))`, false, "packed"},
		{`(func (struct.set $s 0 (struct.new_default $s) (i32.const 1)))`, false, "immutable"},
		{`(func (struct.set $s 2 (struct.new_default $s) (ref.i31 (i32.const 1))))`, true, ""},
		{`(func (result anyref) (struct.get $s 3 (ref.null $s)))`, false, "unknown field"},
		{`(func (result (ref $a)) (array.new_fixed $a 2 (i32.const 1) (i32.const 2)))`, true, ""},
		{`(func (result (ref $a)) (array.new_data $a $d (i32.const 0) (i32.const 2)))`, true, ""},
		{`(func (result (ref $ar)) (array.new_data $ar $d (i32.const 0) (i32.const 2)))`, false, "data segment"},
		{`(func (result (ref $ar)) (array.new_elem $ar $e (i32.const 0) (i32.const 1)))`, true, ""},
		{`(func (result (ref $a)) (array.new_elem $a $e (i32.const 0) (i32.const 1)))`, false, "element segment"},
		{`(func (array.set $ai (array.new_default $ai (i32.const 1)) (i32.const 0) (i32.const 1)))`, false, "immutable"},
		{`(func (array.copy $a $ai (array.new_default $a (i32.const 1)) (i32.const 0) (array.new_default $ai (i32.const 1)) (i32.const 0) (i32.const 1)))`, false, "array.copy"},
		{`(func (result i32) (array.len (array.new_default $ai (i32.const 1))))`, true, ""},
		{`(func (result i32) (ref.test (ref $s) (ref.null any)))`, true, ""},
		{`(func (result i32) (ref.test (ref $s) (ref.null extern)))`, false, "type mismatch"},
		{`(func (result (ref null $f)) (ref.cast (ref null $f) (ref.null func)))`, true, ""},
		{`(func (param anyref) (result (ref $s)) (block (result (ref $s)) (br_on_cast 0 anyref (ref $s) (local.get 0)) (unreachable)))`, true, ""},
		{`(func (param eqref) (result anyref) (block (result anyref) (br_on_cast 0 eqref anyref (local.get 0))))`, false, "does not match"},
		{`(func (param anyref) (result anyref) (block (result (ref any)) (br_on_cast_fail 0 anyref (ref $s) (local.get 0)) (unreachable)))`, false, "passes"},
		{`(func (param externref) (result anyref) (any.convert_extern (local.get 0)))`, true, ""},
		{`(func (param anyref) (result (ref extern)) (extern.convert_any (local.get 0)))`, false, "type mismatch"},
		{`(func (result i32) (i31.get_s (ref.i31 (i32.const 5))))`, true, ""},
		{`(func (param anyref) (result i32) (ref.eq (local.get 0) (ref.null eq)))`, false, "type mismatch"},
		{`(global (ref $s) (struct.new $s (i32.const 1) (i32.const 2) (ref.i31 (i32.const 3))))`, true, ""},
		{`(global (ref $a) (array.new_fixed $a 1 (i32.const 1)))`, true, ""},
		{`(global (ref $a) (array.new_data $a $d (i32.const 0) (i32.const 1)))`, false, "constant expression required"},
	} {
		m, err := text.ParseModule([]byte("(module " + gcTypes + tc.body + ")"))
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		err = validate.Module(m)
		if tc.valid {
			if err != nil {
				t.Errorf("%s: %v", tc.body, err)
			} else if m.Features&wasm.FeatureGC == 0 {
				t.Errorf("%s: Features %s lacks gc", tc.body, m.Features)
			}
			continue
		}
		var we *wasm.Error
		if !errors.As(err, &we) || we.Kind != wasm.Invalid || !strings.Contains(we.Msg, tc.msg) {
			t.Errorf("%s: got %v, want an invalid module (%q)", tc.body, err, tc.msg)
		}
	}
}

// TestGCFeatureOff: with gc turned off, a module that uses it is invalid
// and the error names the feature.
func TestGCFeatureOff(t *testing.T) {
	for _, body := range []string{
		`(type $s (struct))`,
		`(global anyref (ref.null any))`,
	} {
		m, err := text.ParseModule([]byte("(module " + body + ")"))
		if err != nil {
			t.Fatal(err)
		}
		err = validate.ModuleFeatures(m, wasm.FeatureGC)
		var we *wasm.Error
		if !errors.As(err, &we) || we.Kind == wasm.Unsupported || we.Feature != wasm.FeatureGC {
			t.Errorf("%s: got %v, want a refusal naming gc", body, err)
		}
	}
}
