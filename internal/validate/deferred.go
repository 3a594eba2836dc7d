package validate

import (
	"sync"

	"github.com/moat-run/moat/internal/wasm"
)

// Deferred is a module whose module-level parts are valid and whose
// function bodies are left to an engine that reads every body anyway (the
// compiler, translating it): a FuncValidator checks each instruction as
// the engine meets it, so that a body is decoded and walked once instead
// of twice. The engine must act on an instruction only once Instr has
// accepted it, so it only ever sees a valid prefix of a body.
type Deferred struct {
	v *validator // module-level state, complete; read-only while bodies run

	mu   sync.Mutex
	used wasm.Features // the module-level features, then each Done's
}

// ModuleDeferred runs every check of ModuleFeatures but the function
// bodies'. Its error is the one ModuleFeatures would return: when a
// module-level fault comes after the bodies in the reference interpreter's
// order (the start function, exports), it checks the bodies first and
// reports theirs if they have one.
func ModuleDeferred(m *wasm.Module, off wasm.Features) (*Deferred, error) {
	v := &validator{m: m, disabled: off, deferBodies: true}
	if err := v.module(); err != nil {
		return nil, err
	}
	if len(m.Code) != len(m.Funcs) {
		return nil, wasm.Malformedf(-1, "function and code section have inconsistent lengths")
	}
	return &Deferred{v: v, used: v.used}, nil
}

// Func returns a validator for d's bodies, one after another. Each
// goroutine checking bodies at the same time needs its own.
func (d *Deferred) Func() *FuncValidator {
	return &FuncValidator{v: d.v.bodyWorker(), d: d}
}

// Check validates every body as ModuleFeatures does and returns its error,
// the lowest failing body's. An engine whose walk with FuncValidators
// stopped early, for a fault of a body or for one of its own (a budget),
// has not seen every body: Check tells whether the module is invalid, and
// then why, exactly as a validation before compiling would have.
func (d *Deferred) Check() error {
	if err := d.v.bodies(); err != nil {
		return err
	}
	d.mu.Lock()
	d.used |= d.v.used
	d.mu.Unlock()
	d.Finish()
	return nil
}

// Finish records the features the module uses in its Features, as
// ModuleFeatures does, once every body has passed a FuncValidator (and
// each FuncValidator's Done has run) or Check has passed.
func (d *Deferred) Finish() {
	d.mu.Lock()
	d.v.m.Features = d.used
	d.mu.Unlock()
}

// FuncValidator checks one body at a time, instruction by instruction, with
// the checks and errors of ModuleFeatures. It allocates only as its buffers
// grow, and they are kept from body to body.
type FuncValidator struct {
	v *validator
	d *Deferred
}

// Begin starts the body of function funcIndex (in the module's function
// index space: imports first): its locals and the function's frame.
func (f *FuncValidator) Begin(funcIndex uint32) error {
	v := f.v
	base := uint32(len(v.funcTypes) - len(v.m.Funcs))
	if funcIndex < base || funcIndex-base >= uint32(len(v.m.Code)) {
		return errAt(-1, "unknown function %d", funcIndex)
	}
	return v.begin(funcIndex, v.funcTypes[funcIndex], &v.m.Code[funcIndex-base])
}

// Disabled returns the features turned off: the engine's
// binary.ExprReader must read the body with them off
// (ExprReader.DisableFeatures), as the validator's own reader would.
func (f *FuncValidator) Disabled() wasm.Features { return f.v.disabled }

// Instr checks the body's next instruction, as decoded by a
// binary.ExprReader.
// It refuses a body that names a data segment in a module without a data
// count section, as the decoder does when it skims the bodies.
func (f *FuncValidator) Instr(in *wasm.Instr) error { return f.v.step(in) }

// End checks that the body ended where its instructions closed the
// function's frame.
func (f *FuncValidator) End() error { return f.v.end() }

// Done adds the features the bodies f checked use to the module's (see
// Deferred.Finish). f is not used after it.
func (f *FuncValidator) Done() {
	f.d.mu.Lock()
	f.d.used |= f.v.used
	f.d.mu.Unlock()
}
