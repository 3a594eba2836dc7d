package moat

import (
	"context"
	"fmt"

	"github.com/moat-run/moat/internal/hostlib"
	"github.com/moat-run/moat/internal/vm"
)

// This module's host libraries (WASI) define their functions through
// internal/hostlib: each call is handed the library's state in the store
// and the calling instance's memory 0, so that no Caller is made for it
// and the state is a field of the store's state rather than a store
// value of its own.
func init() { hostlib.Define = defineLibFunc }

// defineLibFunc is hostlib.Define.
func defineLibFunc(linker any, module, name string, typ any, fn hostlib.Func) error {
	l, ok := linker.(*Linker)
	t, tok := typ.(FuncType)
	if !ok || l == nil || !tok || fn == nil {
		return fmt.Errorf("moat: library function %s.%s: want a linker, a function type and a function", module, name)
	}
	if err := checkFuncType(t); err != nil {
		return err
	}
	for _, v := range append(append([]ValueType(nil), t.Params...), t.Results...) {
		if v.IsRef() {
			return fmt.Errorf("moat: library function %s.%s: reference types are not supported", module, name)
		}
	}
	t = FuncType{Params: append([]ValueType(nil), t.Params...), Results: append([]ValueType(nil), t.Results...)}
	l.define(module, name, definition{host: &hostDef{engine: l.engine, name: module + "." + name, typ: t, lib: fn}})
	return nil
}

// setLibState is SetValue for hostlib.StateKey: the state is a field of
// the store's state, read by the library's functions during the store's
// calls, so it is set only while the store is open and no other
// goroutine has a call running in it.
func (s *Store) setLibState(state any) {
	if s.enterOpen() != nil {
		return
	}
	s.lib = state
	s.leave()
}

// closeLib lets go of the library state of a store that closed, and
// tells it so (hostlib.StoreCloser): the store's generation has moved on,
// so no call, Caller or handle of the store reaches the state any more,
// and the state's own field is cleared before the library may hand the
// state to another store.
func (s *storeState) closeLib() {
	lib := s.lib
	s.lib = nil
	if c, ok := lib.(hostlib.StoreCloser); ok {
		c.StoreClosed()
	}
}

// adaptLib is adaptHost for a library function: it hands fn the store's
// library state and the calling instance's memory 0, and makes no Caller.
func adaptLib(name string, fn hostlib.Func) vm.HostFunc {
	return func(ctx context.Context, vs *vm.Store, self *vm.Function, inst *vm.Instance, stack []uint64) (err error) {
		s, err := hostStore(vs, name)
		if err != nil {
			return err
		}
		var mem *[]byte
		if inst != nil && !inst.Closed {
			if m := inst.Memory(); m != nil {
				m.Written = true // as every moat.Memory access marks it
				mem = &m.Bytes
			}
		}
		defer func() {
			if v := recover(); v != nil {
				err = newPanicError(name, v)
			}
		}()
		if err := fn(ctx, s.lib, mem, stack); err != nil {
			return vmTrapOf(err)
		}
		return nil
	}
}
