package moat

import (
	"context"
	"fmt"
	"reflect"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// HostFunc is the fast form of a Go function callable from WebAssembly.
// stack holds the parameter words on entry (see Func.Call for the encoding)
// and receives the result words; it is long enough for both. caller describes
// the calling instance. A non-nil error ends execution with a *Trap: a *Trap
// (from NewTrap) keeps its code, anything else becomes TrapHostError and is
// available through errors.Unwrap / errors.As on the trap. A panic ends it
// the same way, with a *PanicError as the error.
type HostFunc func(ctx context.Context, caller *Caller, stack []uint64) error

// hostStore is the moat store a host function was called in, or an error
// naming the function when the call came from no moat store.
func hostStore(vs *vm.Store, name string) (*storeState, error) {
	var s *storeState
	if vs != nil {
		s, _ = vs.Embedder.(*storeState)
	}
	if s == nil {
		return nil, fmt.Errorf("moat: %s called outside a store", name)
	}
	return s, nil
}

// adaptHost turns fn, the host function name ("module.field"), into the
// runtime's host function form, which serves every store (a linker's host
// function is bound once for all of them): the store is the one the call
// runs in, a parameter, never held. It hands fn the Caller, which is
// valid for the duration, and turns a panic in fn into an error the
// engines report like any host error (see PanicError): the panic unwinds
// fn only, so the store's call state is as after a return.
//
// Parameters of the any and extern hierarchies are rooted for the call
// (in a scope of their own), funcref parameters carry the store's
// generation (refcheck.go), and reference results are checked like any
// word the host hands in, so that a made-up one is a trap and never
// reaches code; functions without reference types pay nothing for it.
//
// The Caller is made on demand: a typed function that takes none
// (withCaller false) is handed nil, and no Caller is made for its
// calling instance.
func adaptHost(name string, typ *wasm.FuncType, fn HostFunc, withCaller bool) vm.HostFunc {
	gcParams, refParams, refResults := hasGCRefs(nil, typ.Params), hasRefs(typ.Params), hasRefs(typ.Results)
	return func(ctx context.Context, vs *vm.Store, self *vm.Function, inst *vm.Instance, stack []uint64) (err error) {
		s, err := hostStore(vs, name)
		if err != nil {
			return err
		}
		var c *Caller
		if withCaller {
			c = s.caller(inst)
			c.live++
		}
		defer func() {
			if c != nil {
				c.live--
			}
			if v := recover(); v != nil {
				err = newPanicError(name, v)
			}
		}()
		if gcParams {
			n := s.vs.EnterRootScope()
			defer s.vs.ExitRootScope(n)
		}
		if refParams {
			s.handOut(typ.Params, nil, stack)
		}
		if err := fn(ctx, c, stack); err != nil {
			return vmTrapOf(err)
		}
		if refResults {
			if err := checkWords(s, typ.Results, nil, stack); err != nil {
				return vmTrapOf(fmt.Errorf("moat: result of %s: %w", name, err))
			}
		}
		return nil
	}
}

var (
	contextType = reflect.TypeFor[context.Context]()
	callerType  = reflect.TypeFor[*Caller]()
	errorType   = reflect.TypeFor[error]()
)

// wordKinds maps the Go types a typed host function may use to value types.
var wordKinds = map[reflect.Kind]ValueType{
	reflect.Int32:   ValueI32,
	reflect.Uint32:  ValueI32,
	reflect.Int64:   ValueI64,
	reflect.Uint64:  ValueI64,
	reflect.Float32: ValueF32,
	reflect.Float64: ValueF64,
}

// funcShape is what inspecting a typed host function found.
type funcShape struct {
	typ        FuncType
	wantCtx    bool
	wantCaller bool
	wantErr    bool
	firstParam int            // index of the first wasm parameter among the Go ones
	inKinds    []reflect.Kind // of the wasm parameters
	outKinds   []reflect.Kind // of the wasm results
	inTypes    []reflect.Type // every Go parameter
	fn         reflect.Value
}

// typedFunc inspects a typed Go function once and returns its wasm type, a
// HostFunc calling it (generated code for the common shapes,
// hostfunc_gen.go, no reflection and no allocation per call; reflection
// for the others; see Linker.DefineFunc) and whether it takes a *Caller.
func typedFunc(fn any) (FuncType, HostFunc, bool, error) {
	sh, err := inspectFunc(fn)
	if err != nil {
		return FuncType{}, nil, false, err
	}
	if h := typedHost(fn); h != nil {
		return sh.typ, h, sh.wantCaller, nil
	}
	return sh.typ, reflectHost(sh), sh.wantCaller, nil
}

// inspectFunc checks that fn has a shape DefineFunc accepts and describes it.
func inspectFunc(fn any) (*funcShape, error) {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("moat: DefineFunc needs a non-nil func, got %T", fn)
	}
	t := v.Type()
	if t.IsVariadic() {
		return nil, fmt.Errorf("moat: DefineFunc: variadic functions are not supported (%s)", t)
	}
	sh := &funcShape{fn: v}
	in := 0
	sh.wantCtx = in < t.NumIn() && t.In(in) == contextType
	if sh.wantCtx {
		in++
	}
	sh.wantCaller = in < t.NumIn() && t.In(in) == callerType
	if sh.wantCaller {
		in++
	}
	sh.firstParam = in
	for ; in < t.NumIn(); in++ {
		vt, ok := wordKinds[t.In(in).Kind()]
		if !ok {
			return nil, fmt.Errorf("moat: DefineFunc: parameter %d has unsupported type %s (want int32, uint32, int64, uint64, float32 or float64; context.Context and *Caller only first)", in, t.In(in))
		}
		sh.typ.Params = append(sh.typ.Params, vt)
		sh.inKinds = append(sh.inKinds, t.In(in).Kind())
	}
	nOut := t.NumOut()
	sh.wantErr = nOut > 0 && t.Out(nOut-1) == errorType
	if sh.wantErr {
		nOut--
	}
	for i := 0; i < nOut; i++ {
		vt, ok := wordKinds[t.Out(i).Kind()]
		if !ok {
			return nil, fmt.Errorf("moat: DefineFunc: result %d has unsupported type %s (an error may only come last)", i, t.Out(i))
		}
		sh.typ.Results = append(sh.typ.Results, vt)
		sh.outKinds = append(sh.outKinds, t.Out(i).Kind())
	}
	sh.inTypes = make([]reflect.Type, t.NumIn())
	for i := range sh.inTypes {
		sh.inTypes[i] = t.In(i)
	}
	return sh, nil
}

func checkFuncType(t FuncType) error {
	for _, v := range append(append([]ValueType(nil), t.Params...), t.Results...) {
		if !v.valid() {
			return fmt.Errorf("moat: invalid value type %d in function type", byte(v))
		}
	}
	return nil
}
