package moat

import "errors"

// Fuel bounds how much work a store's code may do, the way Wasmtime's
// fuel does: an engine made with Config.ConsumeFuel meters every store it
// makes, each store starts with no fuel, Store.SetFuel sets how much is
// left, and code that would go past it traps with TrapOutOfFuel (a later
// SetFuel lets the store run again).
//
// One unit of fuel is one poll, on either engine: every call of a
// WebAssembly function (its entry, whether called from the host, from
// WebAssembly or through a table) and every loop iteration (each time
// execution reaches a loop's header: entering the loop, and each branch
// back to it). A tail call enters its callee like any call, and catching
// an exception into a loop's header is a branch back to it. So the same
// program uses the same fuel on the interpreter and the compiler, and fuel
// bounds running time for code that cannot run long without a loop or a
// call. Host functions and bulk operations (memory.fill, array.fill and
// the like, which the runtime does in bounded chunks anyway) use none. The compiler polls at every entry only when fuel is
// on, so metered code runs slightly slower.
//
// Fuel is accounted exactly whenever the host can look: between calls and
// inside host functions. When a call is interrupted (its context cancelled
// or past its deadline), the polls it made after the interruption was
// requested may go uncharged.

// ErrFuelDisabled is returned by the fuel methods of a store whose engine
// was made without Config.ConsumeFuel.
var ErrFuelDisabled = errors.New("moat: fuel is not enabled for this store (Config.ConsumeFuel)")

// SetFuel sets the store's remaining fuel to n units (values beyond
// 2^63-1 count as 2^63-1). It fails unless the engine consumes fuel, with
// ErrClosed once the store is closed, and with ErrStoreBusy while another
// goroutine has a call running in it.
func (s *Store) SetFuel(n uint64) error {
	if err := s.enter(); err != nil {
		return err // closed: its state may serve another store now
	}
	defer s.leave()
	if !s.vs.Fuel.Enabled() {
		return ErrFuelDisabled
	}
	s.vs.Fuel.Set(n)
	return nil
}

// Fuel returns the store's remaining fuel. It fails unless the engine
// consumes fuel, and as SetFuel does.
func (s *Store) Fuel() (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	if !s.vs.Fuel.Enabled() {
		return 0, ErrFuelDisabled
	}
	return s.vs.Fuel.Left(), nil
}
