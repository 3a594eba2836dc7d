package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// largeModule builds, without the decoder, a module of funcs functions whose
// bodies repeat a mix of control, local, memory, call and SIMD instructions.
func largeModule(funcs, repeats int) *wasm.Module {
	chunk := []byte{
		0x02, 0x7f, // block (result i32)
		0x20, 0, 0x20, 1, 0x6a, 0x22, 2, // local.get 0 local.get 1 i32.add local.tee 2
		0x41, 0, 0x28, 2, 4, 0x6c, // i32.const 0 i32.load align=4 offset=4 i32.mul
		0x20, 3, 0x0d, 0, // local.get 3 br_if 0
		0x1a, 0x20, 2, // drop local.get 2
		0x0b,    // end
		0x21, 0, // local.set 0
		0x03, 0x40, // loop
		0x20, 4, 0x42, 1, 0x7c, 0x21, 4, // local.get 4 i64.const 1 i64.add local.set 4
		0x20, 0, 0x0d, 0, // local.get 0 br_if 0
		0x0b,                                        // end
		0x20, 5, 0x20, 5, 0xfd, 0xae, 0x01, 0x21, 5, // local.get 5 ×2 i32x4.add local.set 5
		0x20, 5, 0xfd, 0x1b, 3, 0x10, 0, 0x1a, // i32x4.extract_lane 3, call 0, drop
		0x20, 0, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0b, // local.get 0 if nop else nop end
	}
	body := make([]byte, 0, len(chunk)*repeats+1)
	for range repeats {
		body = append(body, chunk...)
	}
	body = append(body, 0x20, 0, 0x0b) // local.get 0 end
	m := &wasm.Module{
		Types:    []wasm.FuncType{{Params: []wasm.ValType{wasm.I32}, Results: []wasm.ValType{wasm.I32}}},
		Memories: []wasm.MemoryType{{Limits: wasm.Limits{Min: 1}}},
	}
	locals := []wasm.LocalEntry{{Count: 3, Type: wasm.I32}, {Count: 1, Type: wasm.I64}, {Count: 1, Type: wasm.V128}}
	for i := 0; i < funcs; i++ {
		m.Funcs = append(m.Funcs, 0)
		m.Code = append(m.Code, wasm.Code{Locals: locals, NumLocals: 5, Body: body, Offset: 1000})
	}
	return m
}

func TestLargeModuleValid(t *testing.T) {
	if err := validate.Module(largeModule(3, 10)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkValidateLarge validates 200 functions of about 6 KB each.
func BenchmarkValidateLarge(b *testing.B) {
	m := largeModule(200, 100)
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
