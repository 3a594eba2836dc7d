package frontend

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// TestUncheckedAccess: guard-page mode leaves an access unchecked only in
// memory 0 with 32-bit addresses, and only when its offset and width fit
// Env.Unchecked; any other memory, and a 64-bit one, is always checked,
// whatever the environment says, since Env.Unchecked describes the layout
// of memory 0 alone and the bound it relies on is a 32-bit index's.
func TestUncheckedAccess(t *testing.T) {
	mem32 := wasm.MemoryType{Limits: wasm.Limits{Min: 1}}
	mem64 := wasm.MemoryType{Limits: wasm.Limits{Min: 1}, Is64: true}
	for _, c := range []struct {
		name         string
		memories     []wasm.MemoryType
		env          *Env
		mem          uint32
		offset, size uint64
		want         bool
	}{
		{"memory 0, 32-bit", []wasm.MemoryType{mem32}, guardEnv, 0, 0, 4, true},
		{"last byte in the guard", []wasm.MemoryType{mem32}, guardEnv, 0, 32<<20 - 7, 8, true},
		{"one byte past the guard", []wasm.MemoryType{mem32}, guardEnv, 0, 32<<20 - 6, 8, false},
		{"explicit mode", []wasm.MemoryType{mem32}, &Env{}, 0, 0, 4, false},
		{"no environment", []wasm.MemoryType{mem32}, nil, 0, 0, 4, false},
		{"memory 0, 64-bit", []wasm.MemoryType{mem64}, guardEnv, 0, 0, 4, false},
		{"memory 1, 32-bit", []wasm.MemoryType{mem32, mem32}, guardEnv, 1, 0, 4, false},
		{"memory 1 beside a 64-bit memory 0", []wasm.MemoryType{mem64, mem32}, guardEnv, 1, 0, 4, false},
		{"memory 0 beside a 64-bit memory 1", []wasm.MemoryType{mem32, mem64}, guardEnv, 0, 0, 4, true},
	} {
		tr := &translator{m: &wasm.Module{Memories: c.memories}, env: c.env}
		if got := tr.uncheckedAccess(c.mem, c.offset, c.size); got != c.want {
			t.Errorf("%s: unchecked %v, want %v", c.name, got, c.want)
		}
	}
}
