package moat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
)

// exactValue is the Go value of type t (a word type) whose bits are w's,
// without any float conversion (so NaN payloads survive).
func exactValue(t reflect.Type, w uint64) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Int32:
		v.SetInt(int64(int32(w)))
	case reflect.Uint32:
		v.SetUint(uint64(uint32(w)))
	case reflect.Int64:
		v.SetInt(int64(w))
	case reflect.Uint64:
		v.SetUint(w)
	case reflect.Float32:
		v.Set(reflect.ValueOf(math.Float32frombits(uint32(w))))
	case reflect.Float64:
		v.Set(reflect.ValueOf(math.Float64frombits(w)))
	}
	return v
}

// exactWord is the word of a word-typed value, 32-bit values zero-extended.
func exactWord(v reflect.Value) uint64 {
	switch v.Kind() {
	case reflect.Int32:
		return uint64(uint32(v.Int()))
	case reflect.Int64:
		return uint64(v.Int())
	case reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32:
		return uint64(math.Float32bits(v.Interface().(float32)))
	case reflect.Float64:
		return math.Float64bits(v.Interface().(float64))
	}
	panic("not a word type: " + v.Type().String())
}

// truncate is what a parameter word means to a function taking kind k.
func truncate(k reflect.Kind, w uint64) uint64 {
	switch k {
	case reflect.Int32, reflect.Uint32, reflect.Float32:
		return uint64(uint32(w))
	}
	return w
}

type ctxKey struct{}

// checkTypedCall calls h, built for a function of type typ, and checks that
// the function saw exactly the parameter words (and the context and
// Caller), that its result reached the stack, and that its error came back
// as is with the stack untouched. exact says that float bits must survive
// (NaN payloads included), which reflection does not promise.
func checkTypedCall(t *testing.T, typ reflect.Type, build func(fn any) HostFunc, params []uint64, result uint64, fail bool, exact bool) {
	t.Helper()
	ctx := context.WithValue(context.Background(), ctxKey{}, typ.String())
	caller := &Caller{}
	hostErr := errors.New("host error")
	var got []reflect.Value
	fn := reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
		got = args
		var out []reflect.Value
		for i := range typ.NumOut() {
			if ot := typ.Out(i); ot == errorType {
				e := reflect.New(errorType).Elem()
				if fail {
					e.Set(reflect.ValueOf(hostErr))
				}
				out = append(out, e)
			} else {
				out = append(out, exactValue(ot, result))
			}
		}
		return out
	}).Interface()
	h := build(fn)
	stack := make([]uint64, max(len(params), typ.NumOut()))
	copy(stack, params)
	before := append([]uint64(nil), stack...)
	err := h(ctx, caller, stack)

	a := 0
	if typ.NumIn() > 0 && typ.In(0) == contextType {
		if got[a].Interface() != ctx {
			t.Errorf("%s: context not passed through", typ)
		}
		a++
	}
	if a < typ.NumIn() && typ.In(a) == callerType {
		if got[a].Interface() != caller {
			t.Errorf("%s: Caller not passed through", typ)
		}
		a++
	}
	for i, w := range params {
		arg := got[a+i]
		want := truncate(arg.Kind(), w)
		if !exact && (arg.Kind() == reflect.Float32 || arg.Kind() == reflect.Float64) {
			continue
		}
		if g := exactWord(arg); g != want {
			t.Errorf("%s: parameter %d is %#x, want %#x", typ, i, g, want)
		}
	}
	hasErr := typ.NumOut() > 0 && typ.Out(typ.NumOut()-1) == errorType
	if fail && hasErr {
		if err != hostErr {
			t.Errorf("%s: error %v, want the host's", typ, err)
		}
		if fmt.Sprint(stack) != fmt.Sprint(before) {
			t.Errorf("%s: a failing call wrote results %v", typ, stack)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	if typ.NumOut() > 0 && typ.Out(0) != errorType {
		if want := exactWord(exactValue(typ.Out(0), result)); stack[0] != want {
			t.Errorf("%s: result word %#x, want %#x", typ, stack[0], want)
		}
	}
}

// Words that test sign and zero extension, the upper half of 32-bit values
// (which must be ignored), and float bits.
var (
	plainWords = []uint64{0, 1, 0xffff_ffff, 0x8000_0000, 0xdead_beef_0000_0005, 0xffff_ffff_ffff_fffe, 0x3ff8_0000_0000_0000, 0x4049_0fdb}
	// Signalling NaNs: a conversion through another float width would
	// quiet them.
	nanWords = []uint64{0x7f80_0001, 0xffa0_0000, 0x7ff0_0000_0000_0001, 0xfff4_0000_0000_0000}
)

// TestTypedHostShapes: every generated shape is recognised, and calls its
// function with exactly the parameter words (float bits included, even
// signalling NaNs), stores exactly its result, and passes the context, the
// Caller and the error through.
func TestTypedHostShapes(t *testing.T) {
	generated := func(fn any) HostFunc { return typedHost(fn) }
	for _, shape := range typedShapes {
		typ := reflect.TypeOf(shape)
		if typedHost(reflect.MakeFunc(typ, nil).Interface()) == nil {
			t.Fatalf("%s is in the generated list but typedHost does not cover it", typ)
		}
		sh, err := inspectFunc(reflect.MakeFunc(typ, nil).Interface())
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		words := append(append([]uint64(nil), plainWords...), nanWords...)
		for i := range words {
			params := make([]uint64, len(sh.typ.Params))
			for p := range params {
				params[p] = words[(i+p)%len(words)]
			}
			checkTypedCall(t, typ, generated, params, words[(i+3)%len(words)], false, true)
			checkTypedCall(t, typ, generated, params, words[i], true, true)
		}
	}
}

// TestReflectHostMatchesGenerated: the reflection fallback gives the same
// results as the generated code on every generated shape (floats compared
// on values a float conversion keeps).
func TestReflectHostMatchesGenerated(t *testing.T) {
	reflected := func(fn any) HostFunc {
		sh, err := inspectFunc(fn)
		if err != nil {
			t.Fatal(err)
		}
		return reflectHost(sh)
	}
	for _, shape := range typedShapes {
		typ := reflect.TypeOf(shape)
		for i := range plainWords {
			params := make([]uint64, typ.NumIn())
			for p := range params {
				params[p] = plainWords[(i+p)%len(plainWords)]
			}
			sh, _ := inspectFunc(reflect.MakeFunc(typ, nil).Interface())
			params = params[:len(sh.typ.Params)]
			checkTypedCall(t, typ, reflected, params, plainWords[i], false, false)
			checkTypedCall(t, typ, reflected, params, plainWords[i], true, false)
		}
	}
}

// TestTypedHostFallback: shapes outside the generated set still work,
// through reflection.
func TestTypedHostFallback(t *testing.T) {
	type fd int32
	viaDefineFunc := func(fn any) HostFunc {
		_, h, _, err := typedFunc(fn)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, fn := range []any{
		func(int32, uint64) int64 { return 0 },
		func(fd) fd { return 0 },
		func(uint32, uint32, uint32, uint32, uint32) uint32 { return 0 },
		func() (int32, int64) { return 0, 0 },
		func(context.Context, *Caller, float64, float64, float64) (float64, error) { return 0, nil },
	} {
		typ := reflect.TypeOf(fn)
		if typedHost(fn) != nil {
			t.Errorf("%s: unexpectedly generated; update the test", typ)
		}
		sh, err := inspectFunc(fn)
		if err != nil {
			t.Fatal(err)
		}
		params := plainWords[:len(sh.typ.Params)]
		checkTypedCall(t, typ, viaDefineFunc, params, plainWords[2], false, false)
		checkTypedCall(t, typ, viaDefineFunc, params, plainWords[2], true, false)
	}
}
