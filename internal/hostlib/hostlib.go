package hostlib

import "context"

// Func is a library host function. state is what the store's StateKey
// value is in the store the call runs in (nil: nothing yet), mem the
// bytes of the calling instance's memory 0, in place (nil: it has none,
// or the host called the function itself), valid during the call only.
// stack is as for moat.HostFunc.
type Func func(ctx context.Context, state any, mem *[]byte, stack []uint64) error

// Define defines fn in linker (a *moat.Linker) as module.name of type typ
// (a moat.FuncType of numbers only), bound once for every store like the
// linker's other host functions.
var Define func(linker any, module, name string, typ any, fn Func) error

// StateKey is the moat.Store value key of the library state:
// Store.SetValue(StateKey{}, state) makes state what the store's library
// functions are handed. It is kept in the store's state, not among its
// values (Store.Value does not return it), and set only while no other
// goroutine has a call running in the store and the store is open.
type StateKey struct{}

// StoreCloser is a library state told when the store holding it closes
// (Store.Close succeeded): from then on no call, Caller or handle of that
// store reaches it, so the library may give it to another store. A state
// replaced by another SetValue, or whose store is dropped without Close,
// is not told.
type StoreCloser interface{ StoreClosed() }
