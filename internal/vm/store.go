package vm

import "errors"

// Store is the world in which a group of linked instances lives. Function
// references are indices into its function list, so every function that can
// become a reference stays alive exactly as long as the store does. Stores
// share nothing: independent sandboxes have independent stores.
type Store struct {
	funcs []*Function

	// HostCallDepth is how many wasm frames of this store's call chain lie
	// below the innermost host function now running (0 outside host calls).
	// An engine entered from that host function continues counting from it,
	// so host↔wasm recursion hits the call-depth limit instead of the Go
	// stack's. A store is used by one goroutine at a time, so a plain field
	// suffices.
	HostCallDepth int
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{} }

// ErrForeignFunction is returned when a function of one store is used in another.
var ErrForeignFunction = errors.New("function belongs to another store")

// Ref returns the funcref for f, registering f in s on first use. A function
// registered in another store cannot be referenced from s.
func (s *Store) Ref(f *Function) (uint64, error) {
	if f.store == s {
		return f.ref, nil
	}
	if f.store != nil {
		return 0, ErrForeignFunction
	}
	s.funcs = append(s.funcs, f)
	f.store, f.ref = s, uint64(len(s.funcs))
	return f.ref, nil
}

// Func resolves a funcref. It returns nil for null and for words that are not
// references of this store, so a host-made value can never reach memory it
// should not.
func (s *Store) Func(ref uint64) *Function {
	if ref == 0 || ref > uint64(len(s.funcs)) {
		return nil
	}
	return s.funcs[ref-1]
}
