package amd64

import (
	"os"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/frontend"
)

// TestReserveSizesOnce: a Scratch reserved for the largest body of the Go
// wasip1 test binary at $MOAT_BENCH_GOWASM (the kind of module Reserve's
// ratios are for) compiles every function of it without growing the arrays
// Reserve sizes.
func TestReserveSizesOnce(t *testing.T) {
	path := os.Getenv("MOAT_BENCH_GOWASM")
	if path == "" {
		t.Skip("MOAT_BENCH_GOWASM names no Go wasip1 test binary")
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := binary.Decode(wasm)
	if err != nil {
		t.Fatal(err)
	}
	largest := 0
	for _, c := range m.Code {
		largest = max(largest, len(c.Body))
	}
	sc := NewScratch()
	sc.Reserve(largest)
	caps := func() [5]int {
		return [5]int{cap(sc.lowerer.mem.code), cap(sc.vf.Ops), cap(sc.vf.Insts), cap(sc.vf.Blocks), cap(sc.asm.code)}
	}
	reserved := caps()
	// The default engine's translation: guard pages (4 GiB reserved and 32
	// MiB after it unchecked) and epoch polls.
	env := &frontend.Env{Unchecked: 4<<30 + 32<<20, EpochPolls: true}
	var tr frontend.Translator
	for i := range m.Code {
		fn := m.NumImportedFuncs + uint32(i)
		f, err := tr.Translate(m, fn, env)
		if err != nil {
			t.Fatal(err)
		}
		frontend.Optimize(f, env)
		if _, err := Compile(f, Options{SharedPollStub: true, Scratch: sc, FaultingUnreachable: true}); err != nil {
			t.Fatal(err)
		}
		if got := caps(); got != reserved {
			t.Fatalf("function %d (%d bytes, the largest %d) grew the reserved arrays (templates, operands, vinsts, blocks, code bytes) from %v to %v", fn, len(m.Code[i].Body), largest, reserved, got)
		}
	}
}
