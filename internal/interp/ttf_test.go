package interp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// TestRandomModules runs every export of every module in $MOAT_TTF_DIR
// (made with `wasm-opt -ttf`) with zero arguments and a deadline. Traps are
// fine; an internal error (a recovered panic) or a hang is a bug.
func TestRandomModules(t *testing.T) {
	dir := os.Getenv("MOAT_TTF_DIR")
	if dir == "" {
		t.Skip("set MOAT_TTF_DIR to a folder of wasm-opt -ttf modules")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wasm"))
	ran := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := binary.Decode(b)
		if err != nil {
			continue
		}
		if validate.Module(m) != nil {
			continue
		}
		code, err := New(Config{}).Compile(m)
		if err != nil {
			t.Errorf("%s: compile: %v", f, err)
			continue
		}
		inst := &vm.Instance{Module: m, Store: vm.NewStore()}
		ok := true
		for _, im := range m.Imports {
			switch im.Kind {
			case wasm.ExternFunc:
				ft := m.FuncType(im.Func)
				inst.Funcs = append(inst.Funcs, &vm.Function{Type: ft, Code: vm.HostName(im.Name),
					Host: func(ctx context.Context, _ *vm.Store, _ *vm.Function, caller *vm.Instance, stack []uint64) error {
						clear(stack[:ft.ResultSlots()])
						return nil
					}})
			default:
				ok = false
			}
		}
		if !ok {
			continue
		}
		for i := range m.Funcs {
			inst.Funcs = append(inst.Funcs, &vm.Function{Type: m.FuncType(m.Funcs[i]), Instance: inst, Index: m.NumImportedFuncs + uint32(i)})
		}
		for _, mt := range m.Memories {
			inst.Memories = append(inst.Memories, vm.NewMemory(&mt, 0))
		}
		for _, tt := range m.Tables {
			inst.Tables = append(inst.Tables, vm.NewTable(&tt.Type, 0, 0))
		}
		for _, g := range m.Globals {
			gl := &vm.Global{Type: &g.Type}
			if g.Init.Len() > 0 {
				gl.Lo, gl.Hi = g.Init.At(0).Imm, g.Init.At(0).Hi
			}
			inst.Globals = append(inst.Globals, gl)
		}
		inst.Segs = &vm.Segments{Elems: make([][]uint64, len(m.Elems)), Datas: make([][]byte, len(m.Datas))}
		if err := code.Bind(inst); err != nil {
			t.Fatal(err)
		}
		for _, e := range m.Exports {
			if e.Kind != wasm.ExternFunc {
				continue
			}
			fn := inst.Funcs[e.Index]
			stack := make([]uint64, max(fn.Type.ParamSlots(), fn.Type.ResultSlots()))
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			err := inst.Exec().Call(ctx, fn, stack)
			cancel()
			var tr *vm.Trap
			if err != nil && !errors.As(err, &tr) {
				t.Errorf("%s %s: %v", filepath.Base(f), e.Name, err)
			}
			ran++
		}
	}
	t.Logf("%d calls over %d files", ran, len(files))
}
