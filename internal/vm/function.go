package vm

import (
	"context"

	"github.com/moat-run/moat/internal/wasm"
)

// HostFunc is a function implemented in Go. stack holds the parameters on
// entry (v128 as two words, low first) and receives the results; its length
// is at least the larger of the two counts. caller is the instance whose code
// made the call, or nil when the host called it directly. A non-nil error
// stops execution: a *Trap is passed on as is, anything else is wrapped in a
// trap with code TrapHostError.
type HostFunc func(ctx context.Context, caller *Instance, stack []uint64) error

// Function is one function of a store: either WebAssembly code of an instance
// (Instance != nil, Code set by the engine) or a host function (Host != nil).
// An imported function is the exporter's *Function itself, never a copy.
type Function struct {
	Type     *wasm.FuncType
	Instance *Instance // owning instance; nil for host functions
	Index    uint32    // index in the owner's function index space
	Host     HostFunc
	Code     any    // the engine's compiled form of a WebAssembly function
	Name     string // "module.field" for host functions, for backtraces

	store *Store
	ref   uint64
}

// Store returns the store f is registered in, or nil.
func (f *Function) Store() *Store { return f.store }

// DebugName is the best name for backtraces: the name section's, then the
// host name, then "func[i]".
func (f *Function) DebugName() string {
	if f.Instance != nil {
		if n := f.Instance.Module.FuncName(f.Index); n != "" {
			return n
		}
	}
	if f.Name != "" {
		return f.Name
	}
	return "func[" + itoa(f.Index) + "]"
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
