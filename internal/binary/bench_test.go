package binary

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/testsuite"
)

func BenchmarkDecode(b *testing.B) {
	b.SetBytes(int64(len(fullWasm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(fullWasm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSpecModules decodes every module of the spec suite that
// decodes (about 4,000 small modules) once per iteration.
func BenchmarkDecodeSpecModules(b *testing.B) {
	dir := testsuite.Spec(b)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	var mods [][]byte
	total := 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(data); err == nil {
			mods = append(mods, data)
			total += len(data)
		}
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range mods {
			Decode(m)
		}
	}
}
