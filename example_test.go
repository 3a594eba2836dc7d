package moat_test

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/moat-run/moat"
)

// The modules are built from the .wat files beside them (see each file's
// first line for the command).
var (
	//go:embed testdata/add.wasm
	addWasm []byte
	//go:embed testdata/host.wasm
	hostWasm []byte
	//go:embed testdata/lib.wasm
	libWasm []byte
	//go:embed testdata/app.wasm
	appWasm []byte
	//go:embed testdata/state.wasm
	stateWasm []byte
	//go:embed testdata/trap.wasm
	trapWasm []byte
	//go:embed testdata/loop.wasm
	loopWasm []byte
)

// Compile a module, instantiate it in a store and call an export.
func Example() {
	ctx := context.Background()
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		log.Fatal(err)
	}
	mod, err := engine.Compile(addWasm)
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

// Host functions: the fast form works on the raw stack words; the typed form
// is inspected once by reflection and may take the Caller to read its memory.
func ExampleLinker_DefineHostFunc() {
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
	mod, err := engine.Compile(hostWasm)
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
	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	store := moat.NewStore(engine)
	linker := moat.NewLinker(engine)

	libMod, _ := engine.Compile(libWasm)
	lib, err := linker.Instantiate(ctx, store, libMod)
	if err != nil {
		log.Fatal(err)
	}
	if err := linker.DefineInstance("lib", lib); err != nil {
		log.Fatal(err)
	}
	appMod, _ := engine.Compile(appWasm)
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
	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	store := moat.NewStore(engine)
	mod, _ := engine.Compile(stateWasm)
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
	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.Compile(trapWasm)
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
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.Compile(loopWasm)
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
	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.Compile(addWasm)
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
	ctx := context.Background()
	engine, err := moat.NewEngine(moat.Config{
		Engine:         moat.EngineInterpreter,
		MaxMemoryPages: 2, // 128 KiB per memory, whatever the module declares
		MaxCallDepth:   1000,
	})
	if err != nil {
		log.Fatal(err)
	}
	mod, _ := engine.Compile(stateWasm) // declares (memory 1 4)
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
	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{})
	mod, _ := engine.Compile(addWasm)
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
