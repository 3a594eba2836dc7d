package moat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/moat-run/moat"
)

// Compile a module, instantiate it in a store and call an export.
func Example() {
	const wat = `
	(module
	  (func (export "add") (param i32 i32) (result i32)
	    (i32.add (local.get 0) (local.get 1))))`

	ctx := context.Background()
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		log.Fatal(err)
	}
	// CompileText reads the text format; Compile takes a .wasm binary (or text).
	mod, err := engine.CompileText([]byte(wat))
	if err != nil {
		log.Fatal(err)
	}
	store := moat.NewStore(engine) // one sandbox
	inst, err := store.Instantiate(ctx, mod)
	if err != nil {
		log.Fatal(err)
	}
	results, err := inst.Func("add").Call(ctx, moat.EncodeI32(40), moat.EncodeI32(2))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(moat.DecodeI32(results[0]))
	fmt.Println(mod.Exports()[0].Name, mod.Exports()[0].Type)
	// Output:
	// 42
	// add (func (param i32 i32) (result i32))
}

// Host functions: the raw form works on the stack words; the typed form is
// inspected once (common shapes then cost no more than the raw form) and may
// take the Caller to read its memory.
func ExampleLinker_DefineHostFunc() {
	const wat = `
	(module
	  (import "env" "double" (func $double (param i32) (result i32)))
	  (import "env" "log" (func $log (param i32 i32)))
	  (memory (export "memory") 1)
	  (data (i32.const 16) "hello, world")
	  (func (export "quadruple") (param i32) (result i32)
	    (call $double (call $double (local.get 0))))
	  (func (export "greet")
	    (call $log (i32.const 16) (i32.const 12))))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	linker := moat.NewLinker(engine)
	err := linker.DefineHostFunc("env", "double",
		moat.FuncType{Params: []moat.ValueType{moat.ValueI32}, Results: []moat.ValueType{moat.ValueI32}},
		func(ctx context.Context, caller *moat.Caller, stack []uint64) error {
			stack[0] = moat.EncodeI32(2 * moat.DecodeI32(stack[0]))
			return nil
		})
	if err != nil {
		log.Fatal(err)
	}
	err = linker.DefineFunc("env", "log", func(caller *moat.Caller, ptr, n uint32) error {
		b, ok := caller.Memory().Read(ptr, n)
		if !ok {
			return errors.New("log: out of bounds")
		}
		fmt.Printf("guest says %q\n", b)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	mod, err := engine.CompileText([]byte(wat))
	if err != nil {
		log.Fatal(err)
	}
	inst, err := linker.Instantiate(ctx, moat.NewStore(engine), mod)
	if err != nil {
		log.Fatal(err)
	}
	r, err := inst.Func("quadruple").Call(ctx, moat.EncodeI32(5))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(moat.DecodeI32(r[0]))
	if _, err := inst.Func("greet").Call(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 20
	// guest says "hello, world"
}

// Link two instances in one store: the app imports the library's exports.
func ExampleLinker_DefineInstance() {
	// A library instance that keeps a counter.
	const libWat = `
	(module
	  (global $count (export "count") (mut i32) (i32.const 0))
	  (func (export "inc") (result i32)
	    (global.set $count (i32.add (global.get $count) (i32.const 1)))
	    (global.get $count)))`
	// The app imports the library's function and global.
	const appWat = `
	(module
	  (import "lib" "inc" (func $inc (result i32)))
	  (import "lib" "count" (global $count (mut i32)))
	  (func (export "inc_twice") (result i32)
	    (drop (call $inc))
	    (drop (call $inc))
	    (global.get $count)))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	store := moat.NewStore(engine)
	linker := moat.NewLinker(engine)

	libMod, _ := engine.CompileText([]byte(libWat))
	lib, err := linker.Instantiate(ctx, store, libMod)
	if err != nil {
		log.Fatal(err)
	}
	if err := linker.DefineInstance("lib", lib); err != nil {
		log.Fatal(err)
	}
	appMod, _ := engine.CompileText([]byte(appWat))
	for _, im := range appMod.Imports() {
		fmt.Println("import", im.Module, im.Name, im.Type)
	}
	app, err := linker.Instantiate(ctx, store, appMod)
	if err != nil {
		log.Fatal(err)
	}
	r, err := app.Func("inc_twice").Call(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(moat.DecodeI32(r[0]), moat.DecodeI32(lib.Global("count").Get()))
	// Output:
	// import lib inc (func (result i32))
	// import lib count (global (mut i32))
	// 2 2
}

// Read and write an instance's memory, globals and tables from Go.
func ExampleMemory() {
	const wat = `
	(module
	  (memory (export "mem") 1 4)
	  (global (export "limit") (mut i64) (i64.const 100))
	  (table (export "fns") 2 funcref)
	  (elem (i32.const 0) $seven)
	  (func $seven (export "seven") (result i32) (i32.const 7))
	  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
	  (func (export "call_slot") (param i32) (result i32)
	    (call_indirect (result i32) (local.get 0))))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	store := moat.NewStore(engine)
	mod, _ := engine.CompileText([]byte(wat))
	inst, err := store.Instantiate(ctx, mod)
	if err != nil {
		log.Fatal(err)
	}

	mem := inst.Memory("mem")
	mem.WriteUint32Le(8, 0xcafe)
	r, _ := inst.Func("load").Call(ctx, moat.EncodeI32(8))
	fmt.Printf("load(8) = %#x\n", moat.DecodeU32(r[0]))
	prev, ok := mem.Grow(1)
	fmt.Println("grew from", prev, ok, "to", mem.Size(), "pages")
	_, ok = mem.ReadUint64Le(2*65536 - 4)
	fmt.Println("read across the end:", ok)

	limit := inst.Global("limit")
	fmt.Println(limit.Type(), moat.DecodeI64(limit.Get()))
	_ = limit.Set(moat.EncodeI64(-1))
	fmt.Println(moat.DecodeI64(limit.Get()))

	fns := inst.Table("fns")
	seven, _ := fns.Get(0)
	_ = fns.Set(1, seven) // slot 1 now holds the same function
	r, _ = inst.Func("call_slot").Call(ctx, moat.EncodeI32(1))
	fmt.Println(fns.Type(), moat.DecodeI32(r[0]))
	// Output:
	// load(8) = 0xcafe
	// grew from 1 true to 2 pages
	// read across the end: false
	// (global (mut i64)) 100
	// -1
	// (table 2 funcref) 7
}

// A trap reports its code and a wasm backtrace.
func ExampleTrap() {
	// $main calls $divide, which traps on a zero divisor. The names of the
	// module and its functions show in the backtrace.
	const wat = `
	(module $calc
	  (func $divide (param i32 i32) (result i32)
	    (i32.div_u (local.get 0) (local.get 1)))
	  (func $main (export "main") (param i32) (result i32)
	    (call $divide (i32.const 100) (local.get 0))))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.CompileText([]byte(wat))
	inst, _ := moat.NewStore(engine).Instantiate(ctx, mod)

	_, err := inst.Func("main").Call(ctx, moat.EncodeI32(0))
	var trap *moat.Trap
	if errors.As(err, &trap) {
		fmt.Println(trap.Code == moat.TrapIntegerDivideByZero, trap)
		for _, f := range trap.Frames {
			fmt.Println(f.Module, f.FuncIndex, f.FuncName)
		}
		fmt.Print(trap.Backtrace())
	}
	// Output:
	// true integer divide by zero
	// calc 0 divide
	// calc 1 main
	//   0: calc!divide @ 0x2e
	//   1: calc!main @ 0x37
}

// A context deadline stops a guest that never returns.
func ExampleFunc_Call_timeout() {
	const wat = `(module (func (export "spin") (loop (br 0))))`

	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.CompileText([]byte(wat))
	inst, _ := moat.NewStore(engine).Instantiate(context.Background(), mod)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := inst.Func("spin").Call(ctx)
	var trap *moat.Trap
	fmt.Println(errors.As(err, &trap) && trap.Code == moat.TrapInterrupted)
	// Output:
	// true
}

// Closing an instance releases its memory; later calls fail.
func ExampleInstance_Close() {
	const wat = `
	(module
	  (memory (export "mem") 1)
	  (func (export "add") (param i32 i32) (result i32)
	    (i32.add (local.get 0) (local.get 1))))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.CompileText([]byte(wat))
	inst, _ := moat.NewStore(engine).Instantiate(ctx, mod)
	add := inst.Func("add")

	fmt.Println(inst.Close(ctx))
	_, err := add.Call(ctx, 1, 2)
	fmt.Println(errors.Is(err, moat.ErrClosed))
	// Output:
	// <nil>
	// true
}

// Configure the engine: which engine runs code, and the limits every
// sandbox it creates must respect.
func ExampleNewEngine() {
	const wat = `(module (memory (export "mem") 1 4))`

	ctx := context.Background()
	engine, err := moat.NewEngine(moat.Config{
		Engine:         moat.EngineInterpreter,
		MaxMemoryPages: 2, // 128 KiB per memory, whatever the module declares
		MaxCallDepth:   1000,
	})
	if err != nil {
		log.Fatal(err)
	}
	mod, _ := engine.CompileText([]byte(wat))
	inst, _ := moat.NewStore(engine).Instantiate(ctx, mod)
	mem := inst.Memory("mem")
	_, ok := mem.Grow(1)
	fmt.Println("grow to 2 pages:", ok)
	_, ok = mem.Grow(1)
	fmt.Println("grow to 3 pages:", ok)
	// Output:
	// grow to 2 pages: true
	// grow to 3 pages: false
}

// CallWithStack passes parameters and results in a caller-owned slice, so a
// hot loop of calls allocates nothing.
func ExampleFunc_CallWithStack() {
	const wat = `
	(module
	  (func (export "add") (param i32 i32) (result i32)
	    (i32.add (local.get 0) (local.get 1))))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.CompileText([]byte(wat))
	inst, _ := moat.NewStore(engine).Instantiate(ctx, mod)
	add := inst.Func("add")

	stack := make([]uint64, 2) // max(params, results) words
	sum := int32(0)
	for i := int32(0); i < 1000; i++ {
		stack[0], stack[1] = moat.EncodeI32(sum), moat.EncodeI32(i)
		if err := add.CallWithStack(ctx, stack); err != nil {
			log.Fatal(err)
		}
		sum = moat.DecodeI32(stack[0])
	}
	fmt.Println(sum)
	// Output:
	// 499500
}

// A host function that panics ends the call with a trap, not the process:
// the trap names the function, carries the wasm frames, and unwraps to a
// *PanicError (and to the panic value, when it is an error).
func ExamplePanicError() {
	const wat = `
	(module $app
	  (import "env" "check" (func $check (param i32)))
	  (func $validate (export "validate") (param i32) (call $check (local.get 0))))`

	errNegative := errors.New("negative input")
	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	linker := moat.NewLinker(engine)
	linker.DefineFunc("env", "check", func(x int32) {
		if x < 0 {
			panic(errNegative)
		}
	})
	mod, _ := engine.CompileText([]byte(wat))
	inst, _ := linker.Instantiate(ctx, moat.NewStore(engine), mod)

	_, err := inst.Func("validate").Call(ctx, moat.EncodeI32(-1))
	var trap *moat.Trap
	var pe *moat.PanicError
	fmt.Println(errors.As(err, &trap), trap.Code == moat.TrapHostError)
	fmt.Println(errors.As(err, &pe), pe.Func, errors.Is(err, errNegative))
	fmt.Print(trap.Backtrace())
	_, err = inst.Func("validate").Call(ctx, moat.EncodeI32(1)) // the store is still usable
	fmt.Println(err)
	// Output:
	// true true
	// true env.check true
	//   0: env.check
	//   1: app!validate @ 0x37
	// <nil>
}
