package moat_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/moat-run/moat"
)

// Exceptions cross the host boundary both ways: a host function throws a
// WebAssembly exception by returning one (NewException), WebAssembly
// catches it with try_table, and an exception nothing catches ends the call
// as a *moat.Exception error (errors.As). The compiler engine does not run
// exception handling yet, so this uses the interpreter.
func ExampleNewException() {
	const wat = `
	(module
	  (import "env" "too_big" (tag $too_big (param i32)))
	  (import "env" "check" (func $check (param i32)))
	  (func (export "excess") (param i32) (result i32)
	    (block $caught (result i32) ;; catching branches here with the payload
	      (try_table (catch $too_big $caught)
	        (call $check (local.get 0)))
	      (return (i32.const 0))))
	  (func (export "rethrow") (param i32)
	    (call $check (local.get 0))))`

	ctx := context.Background()
	engine, _ := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter})
	store := moat.NewStore(engine)
	tooBig, err := moat.NewTag(store, moat.FuncType{Params: []moat.ValueType{moat.ValueI32}}, "too_big")
	if err != nil {
		log.Fatal(err)
	}
	linker := moat.NewLinker(engine)
	if err := linker.Define("env", "too_big", tooBig); err != nil {
		log.Fatal(err)
	}
	err = linker.DefineFunc("env", "check", func(n int32) error {
		if n > 100 {
			exn, err := moat.NewException(tooBig, moat.EncodeI32(n-100))
			if err != nil {
				return err
			}
			return exn // thrown into the caller
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	mod, err := engine.CompileText([]byte(wat))
	if err != nil {
		log.Fatal(err)
	}
	inst, err := linker.Instantiate(ctx, store, mod)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range []int32{42, 130} {
		r, err := inst.Func("excess").Call(ctx, moat.EncodeI32(n))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("excess", n, "=", moat.DecodeI32(r[0]))
	}
	_, err = inst.Func("rethrow").Call(ctx, moat.EncodeI32(107))
	var exn *moat.Exception
	if errors.As(err, &exn) && exn.HasTag(tooBig) {
		fmt.Println("uncaught, payload", moat.DecodeI32(exn.Payload()[0]))
	}
	// Output:
	// excess 42 = 0
	// excess 130 = 30
	// uncaught, payload 7
}
