package compiler_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// compileText makes an engine of cfg, skipping the test where that engine
// is unavailable (the compiler off linux/amd64), and compiles WAT src.
func compileText(tb testing.TB, cfg moat.Config, src string) (*moat.Engine, *moat.Module) {
	tb.Helper()
	e, err := moat.NewEngine(cfg)
	if err != nil {
		tb.Skip(err)
	}
	mod, err := e.CompileText([]byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	return e, mod
}

// instantiateText is compileText and an instance, without imports, in a
// new store.
func instantiateText(tb testing.TB, cfg moat.Config, src string) *moat.Instance {
	tb.Helper()
	e, mod := compileText(tb, cfg, src)
	inst, err := moat.NewStore(e).Instantiate(context.Background(), mod)
	if err != nil {
		tb.Fatal(err)
	}
	return inst
}

// compilerConfig is the default configuration on the compiler engine.
var compilerConfig = moat.Config{Engine: moat.EngineCompiler}

// depthAtExhaustion calls the instance's recursive export "r", requires
// the stack-exhausted trap, and returns what its "depth" export counted.
func depthAtExhaustion(tb testing.TB, inst *moat.Instance, what string) uint64 {
	tb.Helper()
	_, err := inst.Func("r").Call(context.Background())
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
		tb.Fatalf("%s: got %v, want call stack exhausted", what, err)
	}
	r, err := inst.Func("depth").Call(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return r[0]
}
