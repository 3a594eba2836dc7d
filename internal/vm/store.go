package vm

import (
	"errors"
	"slices"
	"time"
)

// Store is the world in which a group of linked instances lives. Function
// references are indices into its function list, so every function that can
// become a reference stays alive exactly as long as the store does. Stores
// share nothing: independent sandboxes have independent stores.
type Store struct {
	// funcs are the registered functions of a store without a codec
	// (the compiler's stores have one, and no list): behind a pointer,
	// made on first use and kept, emptied, by Reset, so that a codec's
	// store holds one word for it.
	funcs *[]*Function

	// HostCallDepth is how many wasm frames of this store's call chain lie
	// below the innermost host function now running (0 outside host calls).
	// An engine entered from that host function continues counting from it,
	// so host↔wasm recursion hits the call-depth limit instead of the Go
	// stack's. A store is used by one goroutine at a time, so a plain field
	// suffices. A depth fits 32 bits: the stack limit (at most 1 GiB)
	// ends a chain long before.
	HostCallDepth int32
	// HostStackBytes is, likewise, how many bytes of the stack limit the
	// wasm frames below the innermost host function use, for an engine
	// whose nested entries do not continue on one native stack (the
	// interpreter's); 0 outside host calls. At most the stack limit.
	HostStackBytes int32
	// MaxStackBytes, when positive and below the engine's limit, is the
	// stack limit of this store's call chains (a store limit; 32 bits,
	// as the engines' limits are at most 1 GiB).
	MaxStackBytes int32
	// codecRoots: the codec is also the StackScanner of the engine's
	// calls in progress, whose roots are the store's (TrackEngineRoots),
	// a flag in what would be padding rather than an interface's two
	// words.
	codecRoots bool
	// Lane, when its Lanes are set, makes the store's calls that run long
	// take turns in those lanes (lanes.go). It is nil until the embedder
	// sets lanes or a threshold (LaneUse), so that a store that never uses
	// lanes holds none, and Reset keeps it, emptied.
	Lane *LaneUse
	// deadline, when not 0, ends the store's calls that run past it as a
	// context's deadline would (Pacer.Until), with no timer or context of
	// its own: the monotonic clock's reading (nanotime) of the time set
	// (SetDeadline), a plain count rather than a time.Time's three words.
	deadline int64

	// Fuel meters the store's execution when enabled (fuel.go); the
	// engines draw from it.
	Fuel Fuel

	// codec, when set, encodes this store's funcrefs instead of indices.
	codec RefCodec

	// Embedder is the embedding layer's store, which host functions
	// shared by many stores find through the function called.
	Embedder any

	gc gcState // garbage collection (gc.go)
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{} }

// RefCodec lets an engine choose the words that stand for functions: the
// compiler uses the addresses of function descriptors, which its code calls
// through directly. Encode is called once per function, when it is first
// registered; Decode must return nil for any word Encode never returned.
// The codec keeps every function it encoded for the store's life (the
// store keeps no list of its own beside it).
type RefCodec interface {
	Encode(f *Function) (uint64, error)
	Decode(ref uint64) *Function
}

// Reset empties s for another store of the same engine: what Release
// left is dropped, the codec stays (its owner resets it).
func (s *Store) Reset() {
	funcs := s.funcs
	if funcs != nil {
		clear((*funcs)[:cap(*funcs)])
		*funcs = (*funcs)[:0]
	}
	*s = Store{codec: s.codec, Lane: s.Lane.emptied(), funcs: funcs}
}

// SetDeadline makes t the store's deadline (the zero time: none). A
// deadline before the process's clock began (clockBase) has passed: it is
// kept as that beginning.
func (s *Store) SetDeadline(t time.Time) {
	if t.IsZero() {
		s.deadline = 0
		return
	}
	s.deadline = max(int64(t.Sub(clockBase)), 1)
}

// Deadline is the store's deadline (SetDeadline), or the zero time: a time
// with a monotonic reading, which compares equal to the time set (a
// deadline before the process's clock began reads as that beginning).
func (s *Store) Deadline() time.Time {
	if s.deadline == 0 {
		return time.Time{}
	}
	return clockBase.Add(time.Duration(s.deadline))
}

// LaneUse is the store's lane use, made on first use.
func (s *Store) LaneUse() *LaneUse {
	if s.Lane == nil {
		s.Lane = new(LaneUse)
	}
	return s.Lane
}

// NewStoreWithRefs returns an empty store whose funcrefs are c's words.
func NewStoreWithRefs(c RefCodec) *Store { return &Store{codec: c} }

// InitWithRefs makes s, a zero Store held in the engine's own state (one
// allocation for both), an empty store whose funcrefs c encodes.
func (s *Store) InitWithRefs(c RefCodec) { s.codec = c }

// RefCodec returns the codec the store was made with, or nil.
func (s *Store) RefCodec() RefCodec { return s.codec }

// Releaser is implemented by a RefCodec that holds resources for its store
// beyond Go memory (the compiler's native stack).
type Releaser interface {
	Release() error
}

// Release frees what the engine holds for s now, rather than when s becomes
// garbage. No code of s may be running, and none may run afterwards.
func (s *Store) Release() error {
	s.releaseGC()
	if r, ok := s.codec.(Releaser); ok {
		return r.Release()
	}
	return nil
}

// FuncReserver is implemented by a RefCodec that can prepare room for
// many functions at once (one allocation rather than several).
type FuncReserver interface {
	ReserveFuncs(n int)
}

// ReserveFuncs makes room for n more functions to be referenced, as an
// instantiation does for all of its functions at once.
func (s *Store) ReserveFuncs(n int) {
	if s.codec != nil {
		if r, ok := s.codec.(FuncReserver); ok {
			r.ReserveFuncs(n)
		}
		return
	}
	funcs := s.funcList()
	*funcs = slices.Grow(*funcs, n)
}

// funcList is the store's list of registered functions, made on first use.
func (s *Store) funcList() *[]*Function {
	if s.funcs == nil {
		s.funcs = new([]*Function)
	}
	return s.funcs
}

// InstanceRefCodec is implemented by a RefCodec that gives an instance's
// defined functions their words before their Function exists (see
// Instance.Func): RefOf(inst, idx) is the word Encode will return for
// inst.Func(idx).
type InstanceRefCodec interface {
	RefOf(inst *Instance, idx uint32) (uint64, error)
}

// InstanceRefsCodec is an InstanceRefCodec that answers for many of an
// instance's functions at once (FuncRefs).
type InstanceRefsCodec interface {
	RefsOf(inst *Instance, idxs []uint32, dst []uint64) error
}

// NullItem stands for ref.null among the function indices of FuncRefs.
const NullItem = ^uint32(0) // wasm.NullFuncItem

// FuncRefs writes the funcrefs of inst's functions idxs (NullItem: null)
// into dst, as FuncRef would one by one: an element segment of ref.func
// items fills its table with one call.
func (s *Store) FuncRefs(inst *Instance, idxs []uint32, dst []uint64) error {
	if c, ok := s.codec.(InstanceRefsCodec); ok && inst.Store == s {
		return c.RefsOf(inst, idxs, dst)
	}
	for j, idx := range idxs {
		if idx == NullItem {
			dst[j] = 0
			continue
		}
		ref, err := s.FuncRef(inst, idx)
		if err != nil {
			return err
		}
		dst[j] = ref
	}
	return nil
}

// FuncRef returns the funcref of inst's function idx, without making its
// Function when the codec can answer for it (an element segment of a
// thousand ref.func items makes none).
func (s *Store) FuncRef(inst *Instance, idx uint32) (uint64, error) {
	if f := inst.Lookup(idx); f != nil {
		return s.Ref(f)
	}
	if c, ok := s.codec.(InstanceRefCodec); ok && inst.Store == s {
		return c.RefOf(inst, idx)
	}
	return s.Ref(inst.Func(idx))
}

// ErrForeignFunction is returned when a function of one store is used in another.
var ErrForeignFunction = errors.New("function belongs to another store")

// Ref returns the funcref for f, registering f in s on first use. A function
// registered in another store cannot be referenced from s; a shared one
// (Share) has its one word in every store.
func (s *Store) Ref(f *Function) (uint64, error) {
	if f.store == s || f.shared {
		return f.ref, nil
	}
	if f.store != nil {
		return 0, ErrForeignFunction
	}
	if s.codec != nil {
		// The codec keeps f (Decode finds it): s.funcs would be a
		// second list of every function, written at every instantiation.
		ref, err := s.codec.Encode(f)
		if err != nil {
			return 0, err
		}
		f.store, f.ref = s, ref
		return ref, nil
	}
	funcs := s.funcList()
	*funcs = append(*funcs, f)
	f.store, f.ref = s, uint64(len(*funcs))
	return f.ref, nil
}

// Func resolves a funcref. It returns nil for null and for words that are not
// references of this store, so a host-made value can never reach memory it
// should not.
func (s *Store) Func(ref uint64) *Function {
	if s.codec != nil {
		if ref == 0 {
			return nil
		}
		// The codec resolves its engine's shared functions too.
		if f := s.codec.Decode(ref); f != nil && (f.store == s || f.shared) {
			return f
		}
		return nil
	}
	n := 0
	if s.funcs != nil {
		n = len(*s.funcs)
	}
	if ref > uint64(n) {
		return SharedFunc(ref, nil)
	}
	if ref == 0 {
		return nil
	}
	return (*s.funcs)[ref-1]
}
