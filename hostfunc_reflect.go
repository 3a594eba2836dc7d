package moat

import (
	"context"
	"reflect"
)

// reflectHost calls a typed host function of a shape hostfunc_gen.go does
// not cover (named types, mixed parameter types, several results, ...)
// through reflection: it works for every shape DefineFunc accepts, at the
// price of a few hundred nanoseconds and several allocations per call.
func reflectHost(sh *funcShape) HostFunc {
	return func(ctx context.Context, caller *Caller, stack []uint64) error {
		args := make([]reflect.Value, len(sh.inTypes))
		a := 0
		if sh.wantCtx {
			args[a] = reflect.ValueOf(&ctx).Elem()
			a++
		}
		if sh.wantCaller {
			args[a] = reflect.ValueOf(caller)
			a++
		}
		for i, k := range sh.inKinds {
			arg := reflect.New(sh.inTypes[sh.firstParam+i]).Elem()
			w := stack[i]
			switch k {
			case reflect.Int32:
				arg.SetInt(int64(int32(w)))
			case reflect.Int64:
				arg.SetInt(int64(w))
			case reflect.Uint32:
				arg.SetUint(uint64(uint32(w)))
			case reflect.Uint64:
				arg.SetUint(w)
			case reflect.Float32:
				arg.SetFloat(float64(DecodeF32(w)))
			case reflect.Float64:
				arg.SetFloat(DecodeF64(w))
			}
			args[a] = arg
			a++
		}
		outs := sh.fn.Call(args)
		if sh.wantErr {
			if e := outs[len(outs)-1]; !e.IsNil() {
				return e.Interface().(error)
			}
		}
		for i, k := range sh.outKinds {
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
}
