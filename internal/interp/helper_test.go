package interp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// testInstance is a hand-made instantiation, enough for this package's
// tests: host function imports, memories, tables, constant-offset segments.
type testInstance struct {
	t    testing.TB
	m    *wasm.Module
	inst *vm.Instance
}

func loadModule(t testing.TB, name string) *wasm.Module {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := binary.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	return m
}

func instantiate(t testing.TB, cfg Config, name string, hosts map[string]vm.HostFunc) *testInstance {
	t.Helper()
	m := loadModule(t, name)
	code, err := New(cfg).Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	store := vm.NewStore()
	inst := &vm.Instance{Module: m, Store: store, Segs: new(vm.Segments)}
	for _, im := range m.Imports {
		if im.Kind != wasm.ExternFunc {
			t.Fatalf("test helper: unsupported import kind %v", im.Kind)
		}
		h := hosts[im.Module+"."+im.Name]
		if h == nil {
			t.Fatalf("test helper: missing host function %s.%s", im.Module, im.Name)
		}
		inst.Funcs = append(inst.Funcs, &vm.Function{Type: m.FuncType(im.Func), Host: h, Code: vm.HostName(im.Module + "." + im.Name)})
	}
	for i := range m.Funcs {
		inst.Funcs = append(inst.Funcs, &vm.Function{Type: m.FuncType(m.Funcs[i]), Instance: inst,
			Index: m.NumImportedFuncs + uint32(i)})
	}
	for _, mt := range m.Memories {
		inst.Memories = append(inst.Memories, vm.NewMemory(&mt, 0))
	}
	for _, tt := range m.Tables {
		inst.Tables = append(inst.Tables, vm.NewTable(&tt.Type, 0, 0))
	}
	for _, g := range m.Globals {
		inst.Globals = append(inst.Globals, &vm.Global{Type: &g.Type, Lo: g.Init.At(0).Imm})
	}
	if err := code.Bind(inst); err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Elems {
		var refs []uint64
		for _, it := range e.ItemExprs() {
			if it.At(0).Op == wasm.OpRefFunc {
				r, _ := store.Ref(inst.Funcs[it.At(0).X])
				refs = append(refs, r)
			} else {
				refs = append(refs, 0)
			}
		}
		if e.Mode == wasm.ElemActive {
			copy(inst.Tables[e.Table].Elems[e.Offset.At(0).Imm:], refs)
			refs = nil
		}
		inst.Segs.Elems = append(inst.Segs.Elems, refs)
	}
	for _, d := range m.Datas {
		if d.Mode == wasm.DataActive {
			copy(inst.Memories[0].Bytes[d.Offset.At(0).Imm:], d.Bytes)
			inst.Segs.Datas = append(inst.Segs.Datas, nil)
		} else {
			inst.Segs.Datas = append(inst.Segs.Datas, d.Bytes)
		}
	}
	return &testInstance{t: t, m: m, inst: inst}
}

func (ti *testInstance) export(name string) *vm.Function {
	for _, e := range ti.m.Exports {
		if e.Name == name && e.Kind == wasm.ExternFunc {
			return ti.inst.Funcs[e.Index]
		}
	}
	ti.t.Fatalf("no export %q", name)
	return nil
}

// call runs an export and returns its result slots (or the error).
func (ti *testInstance) call(ctx context.Context, name string, args ...uint64) ([]uint64, error) {
	f := ti.export(name)
	stack := make([]uint64, max(f.Type.ParamSlots(), f.Type.ResultSlots()))
	copy(stack, args)
	err := ti.inst.Exec().Call(ctx, f, stack)
	return stack[:f.Type.ResultSlots()], err
}

func (ti *testInstance) mustCall(name string, args ...uint64) []uint64 {
	ti.t.Helper()
	res, err := ti.call(context.Background(), name, args...)
	if err != nil {
		ti.t.Fatalf("%s%v: %v", name, args, err)
	}
	return res
}
