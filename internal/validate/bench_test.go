package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// largeModule builds a module of funcs functions whose bodies repeat a mix
// of control, local, memory, call and SIMD instructions.
func largeModule(tb testing.TB, funcs, repeats int) *wasm.Module {
	const chunk = `
    block (result i32)
      local.get 0  local.get 1  i32.add  local.tee 2
      i32.const 0  i32.load offset=4  i32.mul
      local.get 3  br_if 0
      drop  local.get 2
    end
    local.set 0
    loop
      local.get 4  i64.const 1  i64.add  local.set 4
      local.get 0  br_if 0
    end
    local.get 5  local.get 5  i32x4.add  local.set 5
    local.get 5  i32x4.extract_lane 3  call 0  drop
    local.get 0  if  nop  else  nop  end`
	fn := "\n  (func (param i32) (result i32) (local i32 i32 i32 i64 v128)" +
		strings.Repeat(chunk, repeats) + "\n    local.get 0)"
	m, err := text.ParseModule([]byte("(module (memory 1)" + strings.Repeat(fn, funcs) + ")"))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestLargeModuleValid(t *testing.T) {
	if err := validate.Module(largeModule(t, 3, 10)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkValidateLarge validates 200 functions of about 6 KB each.
func BenchmarkValidateLarge(b *testing.B) {
	m := largeModule(b, 200, 100)
	size := 0
	for i := range m.Code {
		size += len(m.Code[i].Body)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := validate.Module(m); err != nil {
			b.Fatal(err)
		}
	}
}

// benchModules lists the shared benchmark programs, which must all be valid.
func benchModules(tb testing.TB) []string {
	repo, err := testsuite.RepoRoot()
	if err != nil {
		tb.Skip(err)
	}
	root := filepath.Join(repo, "..", "shared", "bench")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.wasm"))
	if len(files) == 0 {
		tb.Skipf("no benchmark modules under %s", root)
	}
	return files
}

func TestBenchModulesValid(t *testing.T) {
	for _, name := range benchModules(t) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := binary.Decode(b)
		if err != nil {
			t.Errorf("%s: decode: %v", name, err)
			continue
		}
		if err := validate.Module(m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// BenchmarkValidateReal validates the largest shared benchmark program
// (decoded once, outside the timing).
func BenchmarkValidateReal(b *testing.B) {
	var best []byte
	for _, name := range benchModules(b) {
		if data, err := os.ReadFile(name); err == nil && len(data) > len(best) {
			best = data
		}
	}
	m, err := binary.Decode(best)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(best)))
	b.ReportAllocs()
	for b.Loop() {
		if err := validate.Module(m); err != nil {
			b.Fatal(err)
		}
	}
}
