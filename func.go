package moat

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Func is a function of a store: exported by an instance, or a host function.
type Func struct {
	store storeRef
	fn    *vm.Function
	// typ is fn's type, read without touching fn: once the store is
	// closed, fn may be recycled for another store's instance.
	typ *wasm.FuncType
}

// NewFunc makes a host function in store s with the fast calling convention
// (see HostFunc). It can be passed to Linker.Define or stored in tables.
func NewFunc(s *Store, t FuncType, fn HostFunc) (*Func, error) {
	if err := checkFuncType(t); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("moat: NewFunc: nil function")
	}
	if err := s.enterOpen(); err != nil {
		return nil, err
	}
	defer s.leave()
	it := t.internal()
	f := &vm.Function{Type: it, Host: adaptHost("host", it, fn, true), Code: vm.HostName("host")}
	if _, err := s.vs.Ref(f); err != nil {
		return nil, err
	}
	return &Func{store: s.storeRef, fn: f, typ: f.Type}, nil
}

// Type returns the function's signature.
func (f *Func) Type() FuncType { return fromFuncType(f.typ) }

// Ref returns the funcref word for f, to pass as a funcref parameter or put
// in a table of the same store. The word carries the store's generation:
// no other store takes it, not even a later store of the same module
// once this one is closed. A function of a closed store returns 0 (null),
// as does one whose store another goroutine has a call running in.
func (f *Func) Ref() uint64 {
	// Under the mark: a closed store's state may serve another store
	// now, whose function list and generation its words must not reach.
	if f.store.enter() != nil {
		return 0
	}
	defer f.store.leave()
	r, _ := f.store.vs.Ref(f.function()) // registered at creation; cannot fail
	return f.store.storeState.funcWordOut(r)
}

// FuncFromRef resolves a funcref word of store s, or returns nil for null,
// for words that are not references of s (those of a closed store
// included), and while another goroutine has a call running in s.
func FuncFromRef(s *Store, ref uint64) *Func {
	if s.enter() != nil {
		return nil
	}
	defer s.leave()
	in, ok := s.funcWordIn(ref)
	if !ok {
		return nil
	}
	fn := s.vs.Func(in)
	if fn == nil {
		return nil
	}
	return &Func{store: s.storeRef, fn: fn, typ: fn.Type}
}

// Call calls f with params (one word per value, two for v128, low half
// first; see EncodeI32 and friends) and returns its results the same way.
// A trap is returned as a *Trap.
func (f *Func) Call(ctx context.Context, params ...uint64) ([]uint64, error) {
	if !f.store.live() {
		return nil, ErrClosed
	}
	t := f.typ
	np, nr := t.ParamSlots(), t.ResultSlots()
	if len(params) != np {
		return nil, fmt.Errorf("moat: %s takes %d parameter words %s, got %d", f.name(), np, t, len(params))
	}
	stack := make([]uint64, max(np, nr))
	copy(stack, params)
	if err := f.CallWithStack(ctx, stack); err != nil {
		return nil, err
	}
	return stack[:nr:nr], nil
}

// CallWithStack calls f without allocating: stack holds the parameter
// words on entry and the result words on return, so it must be at least as
// long as the larger of the two counts.
//
// It fails with ErrStoreBusy while another goroutine has a call running in
// f's store, and with ErrClosed once f's instance or store is closed.
func (f *Func) CallWithStack(ctx context.Context, stack []uint64) (err error) {
	// f.fn is looked at under the mark only: once the store is closed
	// it may be another store's.
	s := f.store
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	f.function()
	t := f.typ
	if n := max(t.ParamSlots(), t.ResultSlots()); len(stack) < n {
		return fmt.Errorf("moat: %s needs a stack of %d words, got %d", f.fn.DebugName(), n, len(stack))
	}
	if s.isClosed(f.fn.Instance) {
		return ErrClosed
	}
	if err := f.checkParams(stack); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("moat: internal error in %s: %v\n%s", f.fn.DebugName(), r, debug.Stack())
		}
	}()
	words := s.callWords(max(t.ParamSlots(), t.ResultSlots()))
	copy(words, stack[:t.ParamSlots()])
	if err := s.call(ctx, f.fn, words); err != nil {
		return err
	}
	nr := t.ResultSlots()
	copy(stack, words[:nr])
	s.handOut(t.Results, typesContext(f.fn.Instance), stack)
	// i32 and f32 results are zero-extended words, whatever the engine left
	// in the upper half.
	w := 0
	for _, r := range t.Results {
		if r == wasm.I32 || r == wasm.F32 {
			stack[w] = uint64(uint32(stack[w]))
		}
		w += r.Slots()
	}
	return nil
}

// unmade is the Code of a stand-in for a function of an instance not made
// yet: the handle of one looked up while another goroutine's call held
// the store's mark (funcOf).
type unmade struct{}

// function is f's function, made now when f holds a stand-in. The store
// must be entered (by f's handle: the instance is f's store's).
func (f *Func) function() *vm.Function {
	if _, ok := f.fn.Code.(unmade); ok {
		f.fn = f.fn.Instance.Func(f.fn.Index)
	}
	return f.fn
}

// name is f's name for an error message, looked at under the store's mark
// (f.fn may be another store's once f's is closed).
func (f *Func) name() string {
	if f.store.enter() != nil {
		return "function"
	}
	defer f.store.leave()
	return f.fn.DebugName()
}

// checkParams normalises i32/f32 words (only the low 32 bits count) and
// rejects references the parameter types do not admit (see checkWords).
func (f *Func) checkParams(stack []uint64) error {
	if err := checkWords(f.store.storeState, f.fn.Type.Params, typesContext(f.fn.Instance), stack); err != nil {
		return fmt.Errorf("moat: parameter of %s: %w", f.fn.DebugName(), err)
	}
	return nil
}
