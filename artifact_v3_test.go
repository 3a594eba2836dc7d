package moat_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/spectest"
	"github.com/moat-run/moat/internal/testsuite"
)

// TestArtifactSpecV3 runs a sample of the 3.0 suite on the compiler with
// every module passed through an artifact file: exceptions, tail calls,
// typed function references, 64-bit and multiple memories, relaxed SIMD,
// garbage collection (allocation, casts and subtyping across modules).
// Every assertion must pass, as when compiling directly.
func TestArtifactSpecV3(t *testing.T) {
	e := compilerEngine(t, moat.Config{})
	dir := testsuite.SpecV3(t)
	tmp := t.TempDir()
	roundTrip := func(e *moat.Engine, wasm []byte) (*moat.Module, error) {
		mod, err := e.Compile(wasm)
		if err != nil {
			return nil, err
		}
		b, err := mod.Serialize()
		if err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(tmp, "*.cwasm")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name()) // the mapping outlives the name
		if _, err := f.Write(b); err != nil {
			return nil, err
		}
		f.Close()
		return e.DeserializeFile(f.Name())
	}
	sample := []string{
		"exceptions/throw", "exceptions/throw_ref", "exceptions/try_table", "exceptions/tag",
		"return_call", "return_call_indirect", "return_call_ref", "call_ref", "br_on_null", "br_on_non_null",
		"ref_as_non_null", "local_init", "memory64/memory64", "memory64/load64", "memory64/table64",
		"memory64/memory_grow64", "memory64/bulk64", "multi-memory/memory-multi", "multi-memory/load0",
		"multi-memory/memory_copy1", "multi-memory/memory_grow", "relaxed-simd/relaxed_laneselect",
		"relaxed-simd/relaxed_madd_nmadd", "relaxed-simd/relaxed_dot_product", "relaxed-simd/i8x16_relaxed_swizzle",
		"gc/struct", "gc/array", "gc/array_copy", "gc/array_new_elem", "gc/array_init_data", "gc/i31", "gc/ref_cast",
		"gc/br_on_cast_fail", "gc/type-subtyping", "gc/extern", "bulk-memory/table_init",
	}
	var total spectest.Result
	for _, name := range sample {
		f := filepath.Join(dir, filepath.FromSlash(name)+".wast")
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		r := spectest.RunFile(context.Background(), f, spectest.Options{Engine: e, Compile: roundTrip})
		total.Add(r)
		for i, fl := range r.Failures {
			if i == 10 {
				break
			}
			t.Error(fl.String())
		}
		if r.Passed == 0 || r.NeedGC != 0 {
			t.Errorf("%s: %s", name, r.String())
		}
	}
	t.Logf("3.0 sample through artifacts: %s", total.String())
}

// featuresWat uses tail calls and exceptions in function bodies only, and
// 64-bit memory in its declarations.
const featuresWat = `(module
  (memory (export "m") i64 1)
  (tag $e (param i32))
  (func $count (export "count") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 0))
      (else (return_call $count (i64.sub (local.get 0) (i64.const 1))))))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (local.get 0)))
      (i32.const -1))))`

// TestArtifactFeatures: an artifact records the WebAssembly features its
// module uses, bodies included, and an engine with one of them turned off
// refuses it naming the feature, as it would refuse to compile the module.
// Code with tail calls and exceptions runs from the artifact.
func TestArtifactFeatures(t *testing.T) {
	e := compilerEngine(t, moat.Config{})
	mod, err := e.CompileText([]byte(featuresWat))
	if err != nil {
		t.Fatal(err)
	}
	b, err := mod.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	f, err := artifact.Load(b, artifact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"tail-call", "exceptions", "memory64"}; !slices.Equal(f.Header.Features, want) {
		t.Errorf("header features %v, want %v", f.Header.Features, want)
	}

	loaded, err := e.Deserialize(b)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := moat.NewStore(e).Instantiate(context.Background(), loaded)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := call(t, inst, "count", 1_000_000); err != nil || got[0] != 0 {
		t.Errorf("count: %v, %v", got, err)
	}
	if got, err := call(t, inst, "catch", 7); err != nil || got[0] != 7 {
		t.Errorf("catch: %v, %v", got, err)
	}
	// Serialized again, the loaded module still records what its bodies use.
	again, err := loaded.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if f2, err := artifact.Load(again, artifact.Options{}); err != nil || !slices.Equal(f2.Header.Features, f.Header.Features) {
		t.Errorf("re-serialized features: %v, %v", f2, err)
	}

	for _, off := range []moat.Features{moat.FeatureTailCall, moat.FeatureExceptions, moat.FeatureMemory64} {
		strict := compilerEngine(t, moat.Config{DisabledFeatures: off})
		_, err := strict.Deserialize(b)
		var ae *moat.ArtifactError
		if !errors.As(err, &ae) || ae.Field != moat.FieldWasmFeatures || !strings.Contains(ae.Error(), off.String()) {
			t.Errorf("%s turned off: %v, want an *ArtifactError naming it", off, err)
		}
		if _, err := strict.CompileText([]byte(featuresWat)); err == nil {
			t.Errorf("%s turned off: the module compiles", off)
		}
	}
	// A feature the module does not use may be off.
	if _, err := compilerEngine(t, moat.Config{DisabledFeatures: moat.FeatureMultiMemory}).Deserialize(b); err != nil {
		t.Errorf("multi-memory off: %v", err)
	}
}
