package bench

import (
	"context"
	"fmt"

	"github.com/moat-run/moat"
)

// moatRunner runs a kernel on moat's interpreter.
type moatRunner struct {
	ctx   context.Context
	inst  *moat.Instance
	fn    *moat.Func
	stack []uint64
}

func newMoatRunner(wasm []byte, export string) (Runner, error) {
	engine, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter})
	if err != nil {
		return nil, fmt.Errorf("moat engine: %w", err)
	}
	mod, err := engine.Compile(wasm)
	if err != nil {
		return nil, fmt.Errorf("moat compile: %w", err)
	}
	ctx := context.Background()
	inst, err := moat.NewStore(engine).Instantiate(ctx, mod)
	if err != nil {
		return nil, fmt.Errorf("moat instantiate: %w", err)
	}
	fn := inst.Func(export)
	if fn == nil {
		return nil, fmt.Errorf("moat: no exported function %q", export)
	}
	return &moatRunner{ctx: ctx, inst: inst, fn: fn, stack: make([]uint64, 1)}, nil
}

func (r *moatRunner) Call(size uint64) (uint64, error) {
	r.stack[0] = size
	if err := r.fn.CallWithStack(r.ctx, r.stack); err != nil {
		return 0, err
	}
	return r.stack[0], nil
}

func (r *moatRunner) Close() error { return r.inst.Close(r.ctx) }
