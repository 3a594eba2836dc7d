package moat

import (
	"errors"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
)

// watModule encodes a module in the text format as a binary.
func watModule(t *testing.T, wat string) []byte {
	t.Helper()
	m, err := text.ParseModule([]byte(wat))
	if err != nil {
		t.Fatal(err)
	}
	return binary.Encode(m)
}

// TestCompilerValidatesBodies: the compiler validates each body as it
// translates it, in one walk. Seen from the attacker's side, an invalid
// module is still refused with the validator's error, the very
// *CompileError of the interpreter engine, which validates first, however
// the fault is hidden: in unreachable code that translation skips, behind
// an index the translator would read out of range, in a body compiled after
// one past the compile budget (whose refusal stops the compile), below a
// larger body compiled first, or in a feature turned off.
func TestCompilerValidatesBodies(t *testing.T) {
	big := "(func (param i32) (result i32)" + strings.Repeat(" (local.set 0 (i32.add (local.get 0) (i32.const 1)))", 400) + " (local.get 0))"
	bad := `(func (result i32) (i64.const 1))`
	for _, tc := range []struct {
		name, wat string
		budget    CompileBudget
		off       Features
		want      string
		kind      CompileErrorKind // Invalid unless set
	}{
		{name: "unreachable code", want: "type mismatch",
			wat: `(module (func (unreachable) (i64.const 1) (i32.add) (drop)))`},
		{name: "dead block", want: "type mismatch",
			wat: `(module (func (result i32) (return (i32.const 0)) (block (result i64) (i32.const 1))))`},
		{name: "unknown local", want: "unknown local 7",
			wat: `(module (func (param i32) (local.get 7) (drop)))`},
		{name: "unknown function", want: "unknown function 9",
			wat: `(module (func (call 9)))`},
		{name: "label too deep", want: "unknown label",
			wat: `(module (func (block (br 5))))`},
		{name: "below a larger body", want: "type mismatch",
			wat: "(module " + bad + big + ")"},
		{name: "after a body past the budget", want: "type mismatch", budget: CompileBudget{MaxFuncSize: 300},
			wat: "(module " + big + bad + ")"},
		{name: "before a body past the budget", want: "type mismatch", budget: CompileBudget{MaxFuncSize: 300},
			wat: "(module " + bad + big + ")"},
		{name: "export after the bodies", want: "type mismatch",
			wat: "(module " + bad + ` (export "f" (func 3)))`},
		{name: "feature turned off", want: "tail-call", off: FeatureTailCall, kind: Malformed,
			wat: `(module (func $f (return_call $f)))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := watModule(t, tc.wat)
			if tc.kind == 0 {
				tc.kind = Invalid
			}
			var errs [2]*CompileError
			for i, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
				e, err := NewEngine(Config{Engine: kind, CompileBudget: tc.budget, DisabledFeatures: tc.off})
				if errors.Is(err, ErrCompilerUnavailable) {
					t.Skip(err)
				}
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.Compile(b)
				if !errors.As(err, &errs[i]) || errs[i].Kind != tc.kind || !strings.Contains(errs[i].Msg, tc.want) {
					t.Fatalf("%v: got %v, want %v (%q)", kind, err, tc.kind, tc.want)
				}
			}
			if *errs[0] != *errs[1] {
				t.Errorf("the compiler says %+v, the interpreter %+v", *errs[0], *errs[1])
			}
		})
	}
	// Past the budget and valid, it is the budget's refusal.
	e := budgetEngine(t, EngineCompiler, CompileBudget{MaxFuncSize: 300})
	var ce *CompileError
	if _, err := e.Compile(watModule(t, "(module "+big+")")); !errors.As(err, &ce) || ce.Kind != BudgetExceeded {
		t.Errorf("a valid body past the budget: got %v, want BudgetExceeded", err)
	}
}
