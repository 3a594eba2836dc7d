package vm

import (
	"context"

	"github.com/moat-run/moat/internal/wasm"
)

// HostFunc is a function implemented in Go. stack holds the parameters on
// entry (v128 as two words, low first) and receives the results; its length
// is at least the larger of the two counts. store is the store the call
// runs in, caller the instance whose code made the call, or nil when the
// host called it directly; self is the function called. One HostFunc
// serves every store (a shared function is one Function for all of them:
// shared.go), so it finds the store's state through store, never through
// self. A non-nil error stops execution: a *Trap is passed on as is,
// anything else is wrapped in a trap with code TrapHostError.
type HostFunc func(ctx context.Context, store *Store, self *Function, caller *Instance, stack []uint64) error

// Function is one function of a store: either WebAssembly code of an instance
// (Instance != nil, Code set by the engine) or a host function (Host != nil).
// An imported function is the exporter's *Function itself, never a copy.
type Function struct {
	Type     *wasm.FuncType
	Instance *Instance // owning instance; nil for host functions
	Index    uint32    // index in the owner's function index space
	shared   bool      // a host function of every store (shared.go)
	Host     HostFunc
	// Code is the engine's compiled form of a WebAssembly function, and a
	// host function's name (a HostName: the one field serves both, as no
	// function has both, so that every made function takes 16 bytes
	// fewer).
	Code any

	store *Store
	ref   uint64
}

// HostName is a host function's name, "module.field", for backtraces: its
// Function's Code.
type HostName string

// Store returns the store f is registered in, or nil (a shared function
// is registered in none).
func (f *Function) Store() *Store { return f.store }

// DebugName is the best name for backtraces and messages: the name
// section's, then the host name, then the function's first export name (so
// that _start and the other entry points of a module without a name
// section show by name, as wasmtime shows them), then "func[i]".
func (f *Function) DebugName() string {
	if n := f.ownName(); n != "" {
		return n
	}
	if f.Instance != nil {
		m := f.Instance.Module
		for i := range m.Exports {
			if e := &m.Exports[i]; e.Kind == wasm.ExternFunc && e.Index == f.Index {
				return e.Name
			}
		}
	}
	return "func[" + itoa(f.Index) + "]"
}

// ownName is the name section's name, else the host name, else "".
func (f *Function) ownName() string {
	if f.Instance != nil {
		if n := f.Instance.Module.FuncName(f.Index); n != "" {
			return n
		}
	}
	name, _ := f.Code.(HostName)
	return string(name)
}

// FuncNamer gives the names DebugName gives, reading each module's exports
// once instead of once per function: a backtrace can hold thousands of
// frames of a module with thousands of exports. The zero value is ready.
type FuncNamer struct {
	exports map[*wasm.Module]map[uint32]string
}

// Name is f.DebugName().
func (n *FuncNamer) Name(f *Function) string {
	if name := f.ownName(); name != "" {
		return name
	}
	if f.Instance != nil {
		if name, ok := n.exportsOf(f.Instance.Module)[f.Index]; ok {
			return name
		}
	}
	return "func[" + itoa(f.Index) + "]"
}

// exportsOf maps each exported function index of m to its first export name.
func (n *FuncNamer) exportsOf(m *wasm.Module) map[uint32]string {
	if names, ok := n.exports[m]; ok {
		return names
	}
	names := make(map[uint32]string)
	for i := range m.Exports {
		e := &m.Exports[i]
		if _, seen := names[e.Index]; e.Kind == wasm.ExternFunc && !seen {
			names[e.Index] = e.Name
		}
	}
	if n.exports == nil {
		n.exports = make(map[*wasm.Module]map[uint32]string)
	}
	n.exports[m] = names
	return names
}

func itoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
