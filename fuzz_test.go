package moat_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/testsuite"
)

// FuzzExecute decodes, validates, instantiates and runs arbitrary bytes on
// the interpreter: every import is stubbed, every exported function is called
// with zero arguments. Whatever the input, the host must get either success
// or a typed error (*CompileError, *LinkError, *Trap, or a resource-limit
// error), never a panic, a hang or unbounded memory.
//
//	go test -run '^$' -fuzz FuzzExecute -fuzztime 10m .
func FuzzExecute(f *testing.F) {
	for _, wat := range []string{addWat, hostWat, importsWat, refsWat, segmentsWat, stateWat,
		`(module (func (export "spin") (loop (br 0))))`,
		`(module (func (export "div") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))`,
	} {
		f.Add(wat2wasm(f, wat))
	}
	// The whole spec suite seeds a fuzzing run; plain `go test` runs a sample.
	fuzzing := flag.Lookup("test.fuzz") != nil && flag.Lookup("test.fuzz").Value.String() != ""
	if dir, err := testsuite.SpecDir(); err == nil {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
		for i, p := range paths {
			if !fuzzing && i%25 != 0 {
				continue
			}
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	engine, err := moat.NewEngine(moat.Config{MaxMemoryPages: 256, MaxTableElements: 100_000, MaxCallDepth: 2000})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		executeAll(t, engine, b)
	})
}

func executeAll(t *testing.T, engine *moat.Engine, b []byte) {
	m, err := engine.Compile(b)
	if err != nil {
		var ce *moat.CompileError
		if !errors.As(err, &ce) {
			t.Fatalf("Compile returned %T (%v), want *moat.CompileError", err, err)
		}
		return
	}
	store := moat.NewStore(engine)
	linker := moat.NewLinker(engine)
	if err := stubImports(store, linker, m); err != nil {
		return // an import type the host cannot create within the limits
	}
	// Bound the work one input may do; the result is not asserted on time.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	inst, err := linker.Instantiate(ctx, store, m)
	if err != nil {
		checkRunError(t, err, true)
		return
	}
	for _, e := range inst.Exports() {
		fn := inst.Func(e.Name)
		if fn == nil {
			continue
		}
		if !zeroable(fn.Type().Params) {
			continue // a non-nullable reference parameter has no zero value to pass
		}
		params := make([]uint64, slots(fn.Type().Params))
		if _, err := fn.Call(ctx, params...); err != nil {
			checkRunError(t, err, false)
		}
	}
	if err := inst.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func checkRunError(t *testing.T, err error, instantiating bool) {
	var trap *moat.Trap
	var le *moat.LinkError
	var exn *moat.Exception
	switch {
	case errors.As(err, &trap):
	case errors.As(err, &exn): // thrown and not caught
	case instantiating && errors.As(err, &le):
	case errors.Is(err, moat.ErrResourceLimit):
	default:
		t.Fatalf("got %T (%v), want a *moat.Trap, *moat.LinkError or resource-limit error", err, err)
	}
}

func slots(ts []moat.ValueType) int {
	n := 0
	for _, t := range ts {
		n++
		if t == moat.ValueV128 {
			n++
		}
	}
	return n
}

// zeroable reports whether zero words are values of every type of ts.
func zeroable(ts []moat.ValueType) bool {
	for _, t := range ts {
		if t.IsRef() && !t.Nullable() {
			return false
		}
	}
	return true
}

// stubImports defines every import of m: functions return zeros, memories,
// tables, globals and tags are fresh ones of the declared type.
func stubImports(store *moat.Store, linker *moat.Linker, m *moat.Module) error {
	for _, imp := range m.Imports() {
		var err error
		switch t := imp.Type.(type) {
		case moat.FuncType:
			n := slots(t.Results)
			err = linker.DefineHostFunc(imp.Module, imp.Name, t, func(_ context.Context, _ *moat.Caller, stack []uint64) error {
				clear(stack[:n])
				return nil
			})
		case moat.MemoryType:
			var mem *moat.Memory
			if mem, err = moat.NewMemory(store, t); err == nil {
				err = linker.Define(imp.Module, imp.Name, mem)
			}
		case moat.TableType:
			var tab *moat.Table
			if tab, err = moat.NewTable(store, t, 0); err == nil {
				err = linker.Define(imp.Module, imp.Name, tab)
			}
		case moat.GlobalType:
			var g *moat.Global
			if g, err = moat.NewGlobal(store, t, 0); err == nil {
				err = linker.Define(imp.Module, imp.Name, g)
			}
		case moat.TagType:
			var tag *moat.Tag
			if tag, err = moat.NewTag(store, t.Type, imp.Name); err == nil {
				err = linker.Define(imp.Module, imp.Name, tag)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
