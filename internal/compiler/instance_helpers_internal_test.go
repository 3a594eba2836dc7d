package compiler

import (
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// instantiateForTest compiles WAT src (no imports, no segments) on e and
// binds an instance of it in a new store, as the public package does.
func instantiateForTest(t *testing.T, e *compilerEngine, src string) *instance {
	t.Helper()
	m := parseForTest(t, src)
	code, err := e.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	return bindForTest(t, e, m, code)
}

// parseForTest decodes and validates WAT src.
func parseForTest(t testing.TB, src string) *wasm.Module {
	t.Helper()
	pm, err := text.ParseModule([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := binary.Decode(binary.Encode(pm))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	return m
}

// bindForTest binds an instance of m (no imports, no segments) to code in
// a new store, as the public package does.
func bindForTest(t testing.TB, e *compilerEngine, m *wasm.Module, code engine.Code) *instance {
	t.Helper()
	inst := &vm.Instance{Module: m, Store: e.NewStore()}
	for i := range m.Funcs {
		inst.Funcs = append(inst.Funcs, &vm.Function{Type: &m.Types[m.Funcs[i]].Func, Instance: inst, Index: uint32(i)})
	}
	for _, mt := range m.Memories {
		inst.Memories = append(inst.Memories, vm.NewMemory(&mt, 0))
	}
	for _, f := range inst.Funcs {
		if _, err := inst.Store.Ref(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := code.Bind(inst); err != nil {
		t.Fatal(err)
	}
	return inst.Engine.(*instance)
}
