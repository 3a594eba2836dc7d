package moat_test

import (
	"context"
	"fmt"

	"github.com/moat-run/moat"
)

// A guest keeps a host value (an externref) in a GC struct; the store
// collects, and the value comes back. Words handed to the host inside a
// RootScope are released when it closes.
func ExampleNewExternRef() {
	engine, _ := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter, MaxGCHeapBytes: 64 << 20})
	mod, err := engine.CompileText([]byte(`(module
	  (type $box (struct (field externref)))
	  (global $kept (mut (ref null $box)) (ref.null $box))
	  (func (export "keep") (param externref) (global.set $kept (struct.new $box (local.get 0))))
	  (func (export "get") (result externref) (struct.get $box 0 (ref.as_non_null (global.get $kept))))
	  (func (export "garbage") (param i32)
	    (loop $l (drop (struct.new $box (ref.null extern)))
	      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))`))
	if err != nil {
		panic(err)
	}
	store := moat.NewStore(engine)
	defer store.Close()
	inst, _ := store.Instantiate(context.Background(), mod)

	scope := store.RootScope()
	session := map[string]int{"requests": 3}
	ext, _ := moat.NewExternRef(store, session)
	inst.Func("keep").Call(context.Background(), ext)
	scope.Close() // the guest's struct keeps the value alive now

	inst.Func("garbage").Call(context.Background(), 1_000_000)
	_ = store.GC()
	r, _ := inst.Func("get").Call(context.Background())
	v, ok := moat.ExternRefData(store, r[0])
	fmt.Println(v, ok, store.GCStats().Collections > 0)
	// Output: map[requests:3] true true
}
