package moat_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/moat-run/moat"
)

// backtraceWat has a name-section name for one function only ($named), so
// the others show by their first export name, or as func[i] when they have
// none.
const backtraceWat = `(module
  (func unreachable)
  (func (export "_start") (export "also_start") call 0)
  (func (export "run") call 1)
  (func $named (export "exported_too") call 2))`

// TestBacktraceExportNames: on both engines, a frame of a function with no
// name-section entry is named by its first export, as wasmtime names it.
func TestBacktraceExportNames(t *testing.T) {
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		t.Run(kind.String(), func(t *testing.T) {
			e, err := moat.NewEngine(moat.Config{Engine: kind})
			if errors.Is(err, moat.ErrCompilerUnavailable) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			inst, err := moat.NewLinker(e).Instantiate(context.Background(), moat.NewStore(e), compile(t, e, backtraceWat))
			if err != nil {
				t.Fatal(err)
			}
			_, err = inst.Func("exported_too").Call(context.Background())
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapUnreachable {
				t.Fatalf("got %v, want an unreachable trap", err)
			}
			var names []string
			var indices []int
			for _, f := range trap.Frames {
				names = append(names, f.FuncName)
				indices = append(indices, f.FuncIndex)
			}
			if want := []string{"func[0]", "_start", "run", "named"}; !slices.Equal(names, want) {
				t.Errorf("frame names %q, want %q", names, want)
			}
			if want := []int{0, 1, 2, 3}; !slices.Equal(indices, want) {
				t.Errorf("frame indices %v, want %v", indices, want)
			}
			want := "  0: func[0] @ 0x"
			if bt := trap.Backtrace(); len(bt) < len(want) || bt[:len(want)] != want {
				t.Errorf("backtrace starts %q, want %q", bt, want)
			}
		})
	}
}
