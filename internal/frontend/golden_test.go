package frontend

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
)

var update = flag.Bool("update", false, "rewrite testdata/*.ssa from the current output")

// guardEnv is the translation environment of guard-page mode with
// Wasmtime's default reservation and guard.
var guardEnv = &Env{Unchecked: 4<<30 + 32<<20}

// epochEnv is the translation environment with epoch polls.
var epochEnv = &Env{EpochPolls: true}

// TestGolden translates every function of testdata/NAME.wat and compares
// the SSA text, before and after ssa.Optimize, with testdata/NAME.ssa.
// NAME_guard.wat files are translated in guard-page mode (guardEnv),
// NAME_epoch.wat files with epoch polls (epochEnv), whose pipeline
// (Passes) ends by dropping the polls of bounded loops.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.wat"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".wat"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := text.ParseModule(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Module(m); err != nil {
				t.Fatal(err)
			}
			var env *Env
			switch {
			case strings.HasSuffix(file, "_guard.wat"):
				env = guardEnv
			case strings.HasSuffix(file, "_epoch.wat"):
				env = epochEnv
			}
			var out strings.Builder
			for i := range m.Code {
				fn := m.NumImportedFuncs + uint32(i)
				f, err := Translate(m, fn, env)
				if err != nil {
					t.Fatal(err)
				}
				if err := ssa.Verify(f); err != nil {
					t.Fatalf("%v\n%s", err, f)
				}
				out.WriteString(f.String())
				if err := (ssa.Pipeline{Passes: Passes(env), Verify: true}).Run(f); err != nil {
					t.Fatal(err)
				}
				out.WriteString("; optimized\n")
				out.WriteString(f.String())
				out.WriteString("\n")
			}
			golden := strings.TrimSuffix(file, ".wat") + ".ssa"
			if *update {
				if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out.String() != string(want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", golden, out.String())
			}
		})
	}
}
