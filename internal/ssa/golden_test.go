package ssa

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden tests in testdata")

// goldenSep separates the input of a golden file from its expected output.
const goldenSep = "\n----\n"

// TestGolden runs every testdata/DIR/*.ssa file: the part before "----" is
// parsed, handed to the action named by DIR, and the result compared with
// the part after it. DIR is "print" (parse and print), "verify" (the
// verifier's verdict), a pass name, or "pipeline" (DefaultPasses). Passes
// run with the verifier before and after.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.ssa"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		dir := filepath.Base(filepath.Dir(file))
		t.Run(dir+"/"+strings.TrimSuffix(filepath.Base(file), ".ssa"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, found := strings.Cut(string(data), goldenSep)
			input += "\n"
			got := runGolden(t, dir, input)
			if *update {
				if err := os.WriteFile(file, []byte(strings.TrimRight(input, "\n")+goldenSep+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !found {
				t.Fatalf("%s has no %q separator; run with -update", file, strings.TrimSpace(goldenSep))
			}
			if got != want {
				t.Errorf("%s: got\n%s\nwant\n%s", file, got, want)
			}
		})
	}
}

func runGolden(t *testing.T, dir, input string) string {
	t.Helper()
	f, err := Parse(input)
	if dir == "parse" {
		if err != nil {
			return err.Error() + "\n"
		}
		return f.String()
	}
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	switch dir {
	case "print":
		out := f.String()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if again.String() != out {
			t.Errorf("print/parse round trip differs:\n%s\nvs\n%s", out, again.String())
		}
		return out
	case "verify":
		if err := Verify(f); err != nil {
			return strings.ReplaceAll(err.Error(), "; ", "\n") + "\n"
		}
		return "ok\n"
	case "pipeline":
		alone, _ := Parse(input)
		if err := (Pipeline{Passes: DefaultPasses, Verify: true}).Run(f); err != nil {
			t.Fatal(err)
		}
		// The pipeline's shortcuts (analyses handed on, GVN and Fold
		// returning at once) must not change its result: run one by
		// one, each pass recomputes everything and does all its work.
		for _, p := range DefaultPasses {
			if err := (Pipeline{Passes: []Pass{p}, Verify: true}).Run(alone); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := f.String(), alone.String(); got != want {
			t.Errorf("the pipeline gives\n%s\nits passes one by one\n%s", got, want)
		}
		return f.String()
	}
	pass, ok := PassByName(dir)
	if !ok {
		t.Fatalf("unknown golden directory %q", dir)
	}
	if err := (Pipeline{Passes: []Pass{pass}, Verify: true}).Run(f); err != nil {
		t.Fatal(err)
	}
	return f.String()
}
