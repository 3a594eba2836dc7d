package moat_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/moat-run/moat"
)

// Meter a store with fuel: one unit per function call and loop iteration.
// Code that would go past its fuel traps, and more fuel lets it run again.
func ExampleStore_SetFuel() {
	const wat = `
	(module
	  (func (export "count") (param $n i32)
	    (loop $l
	      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
	      (br_if $l (local.get $n)))))`

	ctx := context.Background()
	engine, err := moat.NewEngine(moat.Config{ConsumeFuel: true})
	if err != nil {
		log.Fatal(err)
	}
	mod, err := engine.CompileText([]byte(wat))
	if err != nil {
		log.Fatal(err)
	}
	store := moat.NewStore(engine)
	inst, err := store.Instantiate(ctx, mod)
	if err != nil {
		log.Fatal(err)
	}
	if err := store.SetFuel(1000); err != nil {
		log.Fatal(err)
	}
	// count(100): one call and 100 iterations.
	if _, err := inst.Func("count").Call(ctx, moat.EncodeI32(100)); err != nil {
		log.Fatal(err)
	}
	left, _ := store.Fuel()
	fmt.Println("fuel left:", left)

	_, err = inst.Func("count").Call(ctx, moat.EncodeI32(5000))
	var trap *moat.Trap
	if errors.As(err, &trap) {
		fmt.Println("trap:", trap.Code)
	}
	// Output:
	// fuel left: 899
	// trap: out of fuel
}
