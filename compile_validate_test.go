package moat

import (
	"errors"
	"slices"
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
	// Bodies the text format cannot write: type 0 is [] -> [i32], every
	// function has it.
	bodies := func(extra []byte, code ...byte) string {
		b := []byte("\x00asm\x01\x00\x00\x00")
		b = append(b, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 3, 2, 0, 0)
		b = append(b, extra...) // a memory
		b = append(b, 10, byte(len(code)+1), 2)
		b = append(b, code...)
		return string(b)
	}
	invalid := []byte{4, 0, 0x42, 1, 0x0b}        // i64.const 1 for an i32 result
	illegal := []byte{4, 0, 0x06, 0x41, 0x0b}     // opcode 0x06
	trailing := []byte{5, 0, 0x41, 0, 0x0b, 0x01} // a byte after the final end
	dataDrop := []byte{7, 0, 0xfc, 9, 0, 0x41, 0, 0x0b}
	valid := []byte{4, 0, 0x41, 0, 0x0b}
	memory := []byte{5, 3, 1, 0, 1}
	for _, tc := range []struct {
		name, wat string
		bin       string // the module's binary, instead of wat
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
		// The decoder leaves the bodies' instructions to the compiler's
		// walk too: a malformed body still comes before an invalid one.
		{name: "malformed after invalid", want: "illegal opcode", kind: Malformed,
			bin: bodies(nil, append(slices.Clone(invalid), illegal...)...)},
		{name: "bytes after the end", want: "section size mismatch", kind: Malformed,
			bin: bodies(nil, append(slices.Clone(invalid), trailing...)...)},
		{name: "bytes after the end, bodies valid", want: "section size mismatch", kind: Malformed,
			bin: bodies(nil, append(slices.Clone(valid), trailing...)...)},
		{name: "data count required, bodies valid", want: "data count section required", kind: Malformed,
			bin: bodies(memory, append(slices.Clone(valid), dataDrop...)...) + "\x0b\x04\x01\x01\x01\x00"},
		{name: "data count required", want: "data count section required", kind: Malformed,
			bin: bodies(memory, append(slices.Clone(invalid), dataDrop...)...) + "\x0b\x04\x01\x01\x01\x00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.bin)
			if tc.wat != "" {
				b = watModule(t, tc.wat)
			}
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
