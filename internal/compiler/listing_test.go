package compiler_test

import (
	"os"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/validate"
)

// TestListing prints the SSA and assembly of functions named by
// MOAT_LISTING=module.wasm:name1,name2 (function names from the name
// section): a tool for reading generated code, skipped otherwise.
func TestListing(t *testing.T) {
	spec := os.Getenv("MOAT_LISTING")
	if spec == "" {
		t.Skip("set MOAT_LISTING=module.wasm:func,... to print listings")
	}
	path, names, _ := strings.Cut(spec, ":")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := binary.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(names, ",") {
		want[n] = true
	}
	for i := range m.Funcs {
		idx := m.NumImportedFuncs + uint32(i)
		if !want[m.FuncName(idx)] {
			continue
		}
		s, asm, err := compiler.Listing(m, idx, compiler.MemoryConfig{})
		if err != nil {
			t.Errorf("function %d: %v", idx, err)
		}
		t.Logf("function %d $%s\n%s\n%s", idx, m.FuncName(idx), s, asm)
	}
}
