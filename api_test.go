package moat_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/moat-run/moat"
)

// The modules the tests share.
const (
	addWat = `(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b))))`

	// hostWat calls two host functions: env.double (fast form) and
	// env.log, which reads the caller's memory.
	hostWat = `(module
  (import "env" "double" (func $double (param i32) (result i32)))
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world")
  (func (export "quadruple") (param i32) (result i32)
    (call $double (call $double (local.get 0))))
  (func (export "greet")
    (call $log (i32.const 16) (i32.const 12))))`

	// stateWat exports a memory, a global and a table for the host to read
	// and write.
	stateWat = `(module
  (memory (export "mem") 1 4)
  (global (export "limit") (mut i64) (i64.const 100))
  (table (export "fns") 2 funcref)
  (elem (i32.const 0) $seven)
  (func $seven (export "seven") (result i32) (i32.const 7))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "call_slot") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0))))`

	// importsWat imports one of each kind, for link-checking tests.
	importsWat = `(module
  (import "host" "f" (func $f (param i32) (result i32)))
  (import "host" "mem" (memory 1 2))
  (import "host" "tab" (table 2 funcref))
  (import "host" "g" (global i32))
  (func (export "call_f") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "get_g") (result i32) (global.get 0)))`

	// segmentsWat: the first data segment fits the imported memory, the
	// second does not, so the first stays written and instantiation traps.
	segmentsWat = `(module
  (import "host" "mem" (memory 1))
  (data (i32.const 0) "ok")
  (data (i32.const 65535) "no"))`

	refsWat = `(module
  (table (export "t") 1 funcref)
  (func (export "is_null") (param funcref) (result i32) (ref.is_null (local.get 0)))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "v") (param v128) (result v128) (local.get 0)))`
)

var i32 = moat.ValueI32

func newEngine(t *testing.T, cfg moat.Config) *moat.Engine {
	t.Helper()
	e, err := moat.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// compile compiles a module in the text format.
func compile(t *testing.T, e *moat.Engine, wat string) *moat.Module {
	t.Helper()
	m, err := e.CompileText([]byte(wat))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wat2wasm converts a module in the text format to the binary format.
func wat2wasm(t testing.TB, wat string) []byte {
	t.Helper()
	b, err := moat.Wat2Wasm([]byte(wat))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompilerEngineAvailability: the compiler runs on linux/amd64 (with
// the CPU features it needs) and is refused with ErrCompilerUnavailable
// everywhere else.
func TestCompilerEngineAvailability(t *testing.T) {
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		if !errors.Is(err, moat.ErrCompilerUnavailable) || !strings.Contains(err.Error(), "not available") {
			t.Fatalf("got %v", err)
		}
		return
	}
	if e.Config().Engine != moat.EngineCompiler {
		t.Fatalf("engine kind %v", e.Config().Engine)
	}
}

func TestCompileErrors(t *testing.T) {
	e := newEngine(t, moat.Config{})
	add := wat2wasm(t, addWat)
	truncated := add[:len(add)-3]
	for _, tc := range []struct {
		name string
		b    []byte
		kind moat.CompileErrorKind
	}{
		{"empty", nil, moat.Malformed},
		{"bad magic", []byte("\x00asn\x01\x00\x00\x00"), moat.Malformed},
		{"truncated", truncated, moat.Malformed},
		{"type mismatch", wat2wasm(t, "(module (func (result i32)))"), moat.Invalid},
	} {
		_, err := e.Compile(tc.b)
		var ce *moat.CompileError
		if !errors.As(err, &ce) || ce.Kind != tc.kind {
			t.Errorf("%s: got %v, want a %s CompileError", tc.name, err, tc.kind)
			continue
		}
		if !strings.Contains(ce.Error(), tc.kind.String()) {
			t.Errorf("%s: message %q", tc.name, ce.Error())
		}
	}
}

// hostDefs defines everything importsWat needs, in store s.
func hostDefs(t *testing.T, e *moat.Engine, s *moat.Store, mem moat.MemoryType) *moat.Linker {
	t.Helper()
	l := moat.NewLinker(e)
	if err := l.DefineFunc("host", "f", func(x int32) int32 { return x + 1 }); err != nil {
		t.Fatal(err)
	}
	m, err := moat.NewMemory(s, mem)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := moat.NewTable(s, moat.TableType{Elem: moat.ValueFuncRef, Limits: moat.Limits{Min: 3}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := moat.NewGlobal(s, moat.GlobalType{Value: i32}, moat.EncodeI32(9))
	if err != nil {
		t.Fatal(err)
	}
	for name, ext := range map[string]moat.Extern{"mem": m, "tab": tab, "g": g} {
		if err := l.Define("host", name, ext); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestLinking(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	mod := compile(t, e, importsWat)
	s := moat.NewStore(e)
	l := hostDefs(t, e, s, moat.MemoryType{Limits: moat.Limits{Min: 1, Max: 2, HasMax: true}})
	inst, err := l.Instantiate(ctx, s, mod)
	if err != nil {
		t.Fatal(err)
	}
	r, err := inst.Func("call_f").Call(ctx, moat.EncodeI32(41))
	if err != nil || moat.DecodeI32(r[0]) != 42 {
		t.Fatalf("call_f: %v %v", r, err)
	}
	r, err = inst.Func("get_g").Call(ctx)
	if err != nil || r[0] != 9 {
		t.Fatalf("get_g: %v %v", r, err)
	}

	// The linker's host function binds into a second store, but the
	// store-bound externs do not.
	s2 := moat.NewStore(e)
	_, err = l.Instantiate(ctx, s2, mod)
	var le *moat.LinkError
	if !errors.As(err, &le) || !strings.Contains(le.Reason, "another store") {
		t.Fatalf("cross-store link: %v", err)
	}

	// No maximum on the provided memory: incompatible with (memory 1 2).
	s3 := moat.NewStore(e)
	l3 := hostDefs(t, e, s3, moat.MemoryType{Limits: moat.Limits{Min: 1}})
	_, err = l3.Instantiate(ctx, s3, mod)
	if !errors.As(err, &le) || le.Name != "mem" || !strings.HasPrefix(le.Reason, "incompatible import type") {
		t.Fatalf("memory limits: %v", err)
	}
	// A function of the wrong type.
	l3.DefineFunc("host", "f", func(x int64) int32 { return 0 })
	l3.Define("host", "mem", mustMemory(t, s3, 1, 2))
	_, err = l3.Instantiate(ctx, s3, mod)
	if !errors.As(err, &le) || le.Name != "f" {
		t.Fatalf("func type: %v", err)
	}
	// Nothing defined.
	_, err = moat.NewStore(e).Instantiate(ctx, mod)
	if !errors.As(err, &le) || le.Reason != "unknown import" {
		t.Fatalf("no linker: %v", err)
	}
}

func mustMemory(t *testing.T, s *moat.Store, min, max uint64) *moat.Memory {
	m, err := moat.NewMemory(s, moat.MemoryType{Limits: moat.Limits{Min: min, Max: max, HasMax: true}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSegmentTrapKeepsEarlierSegments(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	s := moat.NewStore(e)
	mem := mustMemory(t, s, 1, 1)
	l := moat.NewLinker(e)
	l.Define("host", "mem", mem)
	_, err := l.Instantiate(ctx, s, compile(t, e, segmentsWat))
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
		t.Fatalf("got %v", err)
	}
	if b, _ := mem.Read(0, 2); string(b) != "ok" {
		t.Errorf("first segment not applied: %q", b)
	}
	if b, _ := mem.ReadUint8(65535); b != 0 {
		t.Errorf("failing segment wrote %d", b)
	}
}

func TestMemoryLimit(t *testing.T) {
	e := newEngine(t, moat.Config{MaxMemoryPages: 2})
	s := moat.NewStore(e)
	if _, err := moat.NewMemory(s, moat.MemoryType{Limits: moat.Limits{Min: 3}}); !errors.Is(err, moat.ErrResourceLimit) {
		t.Errorf("NewMemory past the limit: %v", err)
	}
	m := mustMemory(t, s, 1, 10)
	if _, ok := m.Grow(1); !ok {
		t.Error("grow to 2 failed")
	}
	if _, ok := m.Grow(1); ok {
		t.Error("grow past the engine limit succeeded")
	}
}

func TestCallChecks(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	s := moat.NewStore(e)
	inst, err := s.Instantiate(ctx, compile(t, e, refsWat))
	if err != nil {
		t.Fatal(err)
	}
	isNull := inst.Func("is_null")
	if _, err := isNull.Call(ctx); err == nil {
		t.Error("missing parameter accepted")
	}
	if _, err := isNull.Call(ctx, 12345); err == nil {
		t.Error("bogus funcref accepted")
	}
	if err := isNull.CallWithStack(ctx, nil); err == nil {
		t.Error("short stack accepted")
	}
	r, err := isNull.Call(ctx, 0)
	if err != nil || r[0] != 1 {
		t.Errorf("is_null(null) = %v, %v", r, err)
	}
	r, err = isNull.Call(ctx, isNull.Ref())
	if err != nil || r[0] != 0 {
		t.Errorf("is_null(ref) = %v, %v", r, err)
	}
	// A funcref of another store is not valid here.
	other, _ := moat.NewStore(e).Instantiate(ctx, compile(t, e, refsWat))
	if _, err := isNull.Call(ctx, other.Func("ext").Ref()+5); err == nil {
		t.Error("foreign funcref accepted")
	}
	if err := inst.Table("t").Set(0, 999); err == nil {
		t.Error("bogus funcref stored in a table")
	}
	ext, err := moat.NewExternRef(s, "a host value")
	if err != nil {
		t.Fatal(err)
	}
	r, err = inst.Func("ext").Call(ctx, ext)
	if v, ok := moat.ExternRefData(s, r[0]); err != nil || r[0] != ext || !ok || v != "a host value" {
		t.Errorf("externref round trip: %v %v %v", r, err, v)
	}
	// A word the store never handed out is not an externref.
	if _, err := inst.Func("ext").Call(ctx, 0xdeadbeef00); err == nil {
		t.Error("made-up externref accepted")
	}
	stack := []uint64{1, 2}
	if err := inst.Func("v").CallWithStack(ctx, stack); err != nil || stack[0] != 1 || stack[1] != 2 {
		t.Errorf("v128 round trip: %v %v", stack, err)
	}
	g, _ := moat.NewGlobal(s, moat.GlobalType{Value: i32}, 1)
	if err := g.Set(2); err == nil {
		t.Error("immutable global set")
	}
}

func TestHostErrors(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		err  error
		code moat.TrapCode
	}{
		{"plain error", boom, moat.TrapHostError},
		{"trap", moat.NewTrap(moat.TrapUnreachable, ""), moat.TrapUnreachable},
	} {
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		l.DefineFunc("env", "double", func(ctx context.Context, c *moat.Caller, x int32) (int32, error) {
			if ctx == nil || c == nil {
				t.Error("context or caller missing")
			}
			return 0, tc.err
		})
		l.DefineFunc("env", "log", func(uint32, uint32) {})
		inst, err := l.Instantiate(ctx, s, compile(t, e, hostWat))
		if err != nil {
			t.Fatal(err)
		}
		_, err = inst.Func("quadruple").Call(ctx, 1)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != tc.code {
			t.Errorf("%s: got %v", tc.name, err)
			continue
		}
		if tc.code == moat.TrapHostError && !errors.Is(err, boom) {
			t.Errorf("%s: trap does not unwrap to the host error", tc.name)
		}
	}
}

func TestDefineFuncRejectsBadSignatures(t *testing.T) {
	l := moat.NewLinker(newEngine(t, moat.Config{}))
	for _, fn := range []any{nil, 42, func(string) {}, func() (error, int32) { return nil, 0 }, func(...int32) {}} {
		if err := l.DefineFunc("m", "f", fn); err == nil {
			t.Errorf("%T accepted", fn)
		}
	}
}

// One module, many stores, instantiated and called concurrently.
func TestConcurrentInstances(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	mod := compile(t, e, stateWat)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				inst, err := moat.NewStore(e).Instantiate(ctx, mod)
				if err != nil {
					t.Error(err)
					return
				}
				inst.Memory("mem").WriteUint32Le(0, uint32(g*1000+i))
				r, err := inst.Func("load").Call(ctx, 0)
				if err != nil || uint32(r[0]) != uint32(g*1000+i) {
					t.Errorf("load: %v %v", r, err)
					return
				}
				// call_indirect compares signatures of the shared module.
				if r, err := inst.Func("call_slot").Call(ctx, 0); err != nil || r[0] != 7 {
					t.Errorf("call_slot: %v %v", r, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestTypeStrings(t *testing.T) {
	for _, tc := range []struct {
		got  moat.ExternType
		want string
	}{
		{moat.FuncType{}, "(func)"},
		{moat.FuncType{Params: []moat.ValueType{moat.ValueI32, moat.ValueV128}, Results: []moat.ValueType{moat.ValueExternRef}}, "(func (param i32 v128) (result externref))"},
		{moat.TableType{Elem: moat.ValueFuncRef, Limits: moat.Limits{Min: 10, Max: 20, HasMax: true}}, "(table 10 20 funcref)"},
		{moat.MemoryType{Limits: moat.Limits{Min: 1}}, "(memory 1)"},
		{moat.GlobalType{Value: moat.ValueF64, Mutable: true}, "(global (mut f64))"},
	} {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("got %s, want %s", s, tc.want)
		}
	}
}

func TestStoreValues(t *testing.T) {
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	type key struct{}
	s1, s2 := moat.NewStore(engine), moat.NewStore(engine)
	s1.SetValue(key{}, 42)
	if s1.Value(key{}) != 42 || s2.Value(key{}) != nil {
		t.Fatal("store values must be per store")
	}
}
