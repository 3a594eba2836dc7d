package peers

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/stress"
)

// TestCompileOnEveryCompiler compiles a small stress module on every
// compiler available in this build, with both clocks, and checks that
// moat's budget error comes through as a failed cell.
func TestCompileOnEveryCompiler(t *testing.T) {
	var compilers []Compiler
	for _, c := range Compilers() {
		if c.Unavailable != nil {
			t.Logf("%s: %v", c.Name, c.Unavailable)
			continue
		}
		compilers = append(compilers, c)
	}
	mods := []NamedModule{{Name: "live-merges 20x50", Wasm: stress.LiveAcrossMerges(20, 50)}}
	for _, clock := range []Clock{WallClock, CPUClock} {
		rows := MeasureCompile(mods, compilers, 1, 1, clock, nil)
		for i, c := range rows[0].Cells {
			if c.Err != nil || c.Time < 0 {
				t.Errorf("%s: %v (time %v)", compilers[i].Name, c.Err, c.Time)
			}
		}
	}

	defer func(b int64) { MoatCompileBudget.MaxFuncWork = b }(MoatCompileBudget.MaxFuncWork)
	MoatCompileBudget.MaxFuncWork = 100
	moat, _ := CompilerNamed("moat")
	rows := MeasureCompile(mods, []Compiler{moat}, 1, 1, WallClock, nil)
	if err := rows[0].Cells[0].Err; err == nil || !strings.Contains(err.Error(), "MaxFuncWork") {
		t.Errorf("with MaxFuncWork 100: got %v, want the budget error", err)
	}
}

func TestWriteCompileTable(t *testing.T) {
	rows := []CompileRow{
		{Module: "a.wasm", Size: 2048, Cells: []CompileSample{{Time: 30 * time.Millisecond}, {Time: 60 * time.Millisecond}}},
		{Module: "b.wasm", Size: 1024, Cells: []CompileSample{{Time: 20 * time.Millisecond}, {Err: errors.New("boom")}}},
	}
	var buf bytes.Buffer
	WriteCompileTable(&buf, rows, []Compiler{{Name: "moat"}, {Name: "wazero"}})
	out := buf.String()
	for _, want := range []string{
		"| module | size KiB | moat ms | wazero ms | moat/wazero |",
		"| a.wasm | 2 | 30.0 | 60.0 | 0.50 |",
		"| b.wasm | 1 | 20.0 | failed | — |",
		"| **geometric mean** | | | | **0.50** (1) |",
		"FAILED b.wasm on wazero: boom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
