package moat

import (
	"context"
	"testing"
)

// TestHostFuncBoundOnce: a linker's host function is one function for
// every store that imports it, whether through an InstancePre or the
// linker itself, registered in none of them.
func TestHostFuncBoundOnce(t *testing.T) {
	ctx := context.Background()
	for _, k := range []EngineKind{EngineInterpreter, EngineCompiler} {
		e, err := NewEngine(Config{Engine: k})
		if err != nil {
			t.Logf("%s: %v", k, err)
			continue
		}
		l := NewLinker(e)
		if err := l.DefineFunc("env", "double", func(x int32) int32 { return 2 * x }); err != nil {
			t.Fatal(err)
		}
		mod, err := e.CompileText([]byte(`(module (import "env" "double" (func (param i32) (result i32))))`))
		if err != nil {
			t.Fatal(err)
		}
		pre, err := l.Prepare(mod)
		if err != nil {
			t.Fatal(err)
		}
		a, b := NewStore(e), NewStore(e)
		ia, err := pre.Instantiate(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ib, err := l.Instantiate(ctx, b, mod)
		if err != nil {
			t.Fatal(err)
		}
		fa, fb := ia.inst.Funcs[0], ib.inst.Funcs[0]
		if fa != fb || !fa.Shared() || fa.Store() != nil {
			t.Errorf("%s: stores import %p and %p (shared %v, store %p), want one shared function", k, fa, fb, fa.Shared(), fa.Store())
		}
		if wa, wb := fa.Word(a.vs), fb.Word(b.vs); wa == 0 || wa != wb {
			t.Errorf("%s: the function's words in two stores are %#x and %#x, want one", k, wa, wb)
		}
		a.Close()
		b.Close()
	}
}
