package backend

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden allocates every testdata/*.vcode with the fake target, checks
// the result, and compares the allocated listing with testdata/*.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.vcode")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".vcode")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parseFake(name, string(src))
			if err != nil {
				t.Fatal(err)
			}
			env := fakeEnv()
			res, err := Allocate(f, env)
			if err != nil {
				t.Fatalf("allocate: %v\n%v", err, f)
			}
			got := f.Print(res)
			if err := Check(f, env, res); err != nil {
				t.Fatalf("check: %v\n%s", err, got)
			}
			golden := strings.TrimSuffix(file, ".vcode") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("allocation changed (run with -update if intended):\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}
