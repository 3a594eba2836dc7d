package moat

import (
	"context"
	"fmt"
	"reflect"

	"github.com/moat-run/moat/internal/vm"
)

// HostFunc is the fast form of a Go function callable from WebAssembly.
// stack holds the parameter words on entry (see Func.Call for the encoding)
// and receives the result words; it is long enough for both. caller describes
// the calling instance. A non-nil error ends execution with a *Trap: a *Trap
// (from NewTrap) keeps its code, anything else becomes TrapHostError and is
// available through errors.Unwrap / errors.As on the trap.
type HostFunc func(ctx context.Context, caller *Caller, stack []uint64) error

// adaptHost turns fn into the runtime's host function form for store s.
func (s *Store) adaptHost(fn HostFunc) vm.HostFunc {
	return func(ctx context.Context, inst *vm.Instance, stack []uint64) error {
		if err := fn(ctx, s.caller(inst), stack); err != nil {
			return vmTrapOf(err)
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

// reflectHost inspects a typed Go function once and returns its wasm type and
// a HostFunc that converts words to and from Go values. See Linker.DefineFunc.
func reflectHost(fn any) (FuncType, HostFunc, error) {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return FuncType{}, nil, fmt.Errorf("moat: DefineFunc needs a non-nil func, got %T", fn)
	}
	t := v.Type()
	if t.IsVariadic() {
		return FuncType{}, nil, fmt.Errorf("moat: DefineFunc: variadic functions are not supported (%s)", t)
	}
	in := 0
	wantCtx := in < t.NumIn() && t.In(in) == contextType
	if wantCtx {
		in++
	}
	wantCaller := in < t.NumIn() && t.In(in) == callerType
	if wantCaller {
		in++
	}
	firstParam := in
	var ft FuncType
	var inKinds, outKinds []reflect.Kind
	for ; in < t.NumIn(); in++ {
		vt, ok := wordKinds[t.In(in).Kind()]
		if !ok {
			return FuncType{}, nil, fmt.Errorf("moat: DefineFunc: parameter %d has unsupported type %s (want int32, uint32, int64, uint64, float32 or float64; context.Context and *Caller only first)", in, t.In(in))
		}
		ft.Params = append(ft.Params, vt)
		inKinds = append(inKinds, t.In(in).Kind())
	}
	nOut := t.NumOut()
	wantErr := nOut > 0 && t.Out(nOut-1) == errorType
	if wantErr {
		nOut--
	}
	for i := 0; i < nOut; i++ {
		vt, ok := wordKinds[t.Out(i).Kind()]
		if !ok {
			return FuncType{}, nil, fmt.Errorf("moat: DefineFunc: result %d has unsupported type %s (an error may only come last)", i, t.Out(i))
		}
		ft.Results = append(ft.Results, vt)
		outKinds = append(outKinds, t.Out(i).Kind())
	}
	inTypes := make([]reflect.Type, t.NumIn())
	for i := range inTypes {
		inTypes[i] = t.In(i)
	}
	host := func(ctx context.Context, caller *Caller, stack []uint64) error {
		args := make([]reflect.Value, len(inTypes))
		a := 0
		if wantCtx {
			args[a] = reflect.ValueOf(&ctx).Elem()
			a++
		}
		if wantCaller {
			args[a] = reflect.ValueOf(caller)
			a++
		}
		for i, k := range inKinds {
			arg := reflect.New(inTypes[firstParam+i]).Elem()
			w := stack[i]
			switch k {
			case reflect.Int32, reflect.Int64:
				if k == reflect.Int32 {
					arg.SetInt(int64(int32(w)))
				} else {
					arg.SetInt(int64(w))
				}
			case reflect.Uint32, reflect.Uint64:
				if k == reflect.Uint32 {
					w = uint64(uint32(w))
				}
				arg.SetUint(w)
			case reflect.Float32:
				arg.SetFloat(float64(DecodeF32(w)))
			case reflect.Float64:
				arg.SetFloat(DecodeF64(w))
			}
			args[a] = arg
			a++
		}
		outs := v.Call(args)
		if wantErr {
			if e := outs[len(outs)-1]; !e.IsNil() {
				return e.Interface().(error)
			}
		}
		for i, k := range outKinds {
			o := outs[i]
			switch k {
			case reflect.Int32:
				stack[i] = EncodeI32(int32(o.Int()))
			case reflect.Int64:
				stack[i] = uint64(o.Int())
			case reflect.Uint32, reflect.Uint64:
				stack[i] = o.Uint()
			case reflect.Float32:
				stack[i] = EncodeF32(float32(o.Float()))
			case reflect.Float64:
				stack[i] = EncodeF64(o.Float())
			}
		}
		return nil
	}
	return ft, host, nil
}

func checkFuncType(t FuncType) error {
	for _, v := range append(append([]ValueType(nil), t.Params...), t.Results...) {
		if !v.valid() {
			return fmt.Errorf("moat: invalid value type %d in function type", byte(v))
		}
	}
	return nil
}
