package bench

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// wazeroRunner runs a kernel on wazero's interpreter, so the comparison is
// interpreter against interpreter.
type wazeroRunner struct {
	ctx   context.Context
	rt    wazero.Runtime
	fn    api.Function
	stack []uint64
}

func newWazeroRunner(wasm []byte, export string) (Runner, error) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wazero compile: %w", err)
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wazero instantiate: %w", err)
	}
	fn := mod.ExportedFunction(export)
	if fn == nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wazero: no exported function %q", export)
	}
	return &wazeroRunner{ctx: ctx, rt: rt, fn: fn, stack: make([]uint64, 1)}, nil
}

func (r *wazeroRunner) Call(size uint64) (uint64, error) {
	r.stack[0] = size
	if err := r.fn.CallWithStack(r.ctx, r.stack); err != nil {
		return 0, err
	}
	return r.stack[0], nil
}

func (r *wazeroRunner) Close() error { return r.rt.Close(r.ctx) }
