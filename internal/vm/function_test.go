package vm

import (
	"testing"
	"unsafe"

	"github.com/moat-run/moat/internal/wasm"
)

// TestFuncNames: the name section wins, then a host function's name, then
// the first export name, then func[i]; FuncNamer agrees with DebugName.
func TestFuncNames(t *testing.T) {
	m := &wasm.Module{
		Exports: []wasm.Export{
			{Name: "mem", Kind: wasm.ExternMemory, Index: 1},
			{Name: "_start", Kind: wasm.ExternFunc, Index: 1},
			{Name: "second", Kind: wasm.ExternFunc, Index: 1},
			{Name: "run", Kind: wasm.ExternFunc, Index: 2},
		},
		Names: wasm.NameSection{Funcs: map[uint32]string{2: "from_names"}},
	}
	inst := &Instance{Module: m}
	cases := []struct {
		f    *Function
		want string
	}{
		{&Function{Instance: inst, Index: 0}, "func[0]"},
		{&Function{Instance: inst, Index: 1}, "_start"},
		{&Function{Instance: inst, Index: 2}, "from_names"},
		{&Function{Index: 7, Code: HostName("env.log")}, "env.log"},
		{&Function{Index: 8}, "func[8]"},
	}
	var namer FuncNamer
	for _, c := range cases {
		if got := c.f.DebugName(); got != c.want {
			t.Errorf("DebugName of function %d = %q, want %q", c.f.Index, got, c.want)
		}
		if got := namer.Name(c.f); got != c.want {
			t.Errorf("FuncNamer.Name of function %d = %q, want %q", c.f.Index, got, c.want)
		}
	}
}

// TestFunctionSize: a made function is in Go's 64-byte size class, and so
// is the room an instance's state keeps for one (a host function's name
// in its Code, which only WebAssembly functions use).
func TestFunctionSize(t *testing.T) {
	if n := unsafe.Sizeof(Function{}); n > 64 {
		t.Errorf("Function takes %d bytes, want at most 64", n)
	}
}
