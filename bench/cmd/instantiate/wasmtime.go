//go:build cgo

package main

/*
#include <stdint.h>
typedef struct wasm_config_t wasm_config_t;
typedef struct wasmtime_pooling_allocation_config_t wasmtime_pooling_allocation_config_t;
wasmtime_pooling_allocation_config_t *wasmtime_pooling_allocation_config_new();
void wasmtime_pooling_allocation_config_delete(wasmtime_pooling_allocation_config_t *);
void wasmtime_pooling_allocation_config_total_memories_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_core_instances_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_tables_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_stacks_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_strategy_set(wasm_config_t *, const wasmtime_pooling_allocation_config_t *);
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

// wasmtimeSubject is a module compiled by Wasmtime (Cranelift).
type wasmtimeSubject struct {
	engine *wasmtime.Engine
	module *wasmtime.Module
	linker *wasmtime.Linker
}

func wasmtimeEngine(name string, pooling bool) engine {
	return engine{name: name, make: func(b []byte) (subject, error) {
		cfg := wasmtime.NewConfig()
		if pooling {
			setPooling(cfg, 1000) // Wasmtime's default pool
		}
		e := wasmtime.NewEngineWithConfig(cfg)
		mod, err := wasmtime.NewModule(e, b)
		if err != nil {
			return nil, err
		}
		l := wasmtime.NewLinker(e)
		if err := l.DefineWasi(); err != nil {
			return nil, err
		}
		if err := l.FuncWrap("bench", "start", func() {}); err != nil {
			return nil, err
		}
		if err := l.FuncWrap("bench", "end", func() {}); err != nil {
			return nil, err
		}
		return &wasmtimeSubject{engine: e, module: mod, linker: l}, nil
	}}
}

// setPooling switches cfg to the pooling allocator with slots of
// everything. wasmtime-go keeps the wasm_config_t pointer in Config's one
// (unexported) field.
func setPooling(cfg *wasmtime.Config, slots uint32) {
	ptr := *(**C.wasm_config_t)(unsafe.Pointer(cfg))
	p := C.wasmtime_pooling_allocation_config_new()
	C.wasmtime_pooling_allocation_config_total_memories_set(p, C.uint32_t(slots))
	C.wasmtime_pooling_allocation_config_total_core_instances_set(p, C.uint32_t(slots))
	C.wasmtime_pooling_allocation_config_total_tables_set(p, C.uint32_t(slots))
	C.wasmtime_pooling_allocation_config_total_stacks_set(p, C.uint32_t(slots))
	C.wasmtime_pooling_allocation_strategy_set(ptr, p)
	C.wasmtime_pooling_allocation_config_delete(p)
}

func (w *wasmtimeSubject) cycle(call bool) error {
	store := wasmtime.NewStore(w.engine)
	defer store.Close()
	inst, err := w.linker.Instantiate(store, w.module)
	if err != nil {
		return err
	}
	if call {
		r, err := inst.GetFunc(store, "add").Call(store, 1, 2)
		if err != nil {
			return err
		}
		if r.(int32) != 3 {
			return errors.New("add(1, 2) is not 3")
		}
	}
	return nil
}

func (w *wasmtimeSubject) hold(n int) (func(), error) {
	var stores []*wasmtime.Store
	release := func() {
		for _, s := range stores {
			s.Close()
		}
	}
	for range n {
		store := wasmtime.NewStore(w.engine)
		stores = append(stores, store)
		store.SetWasi(wasmtime.NewWasiConfig())
		inst, err := w.linker.Instantiate(store, w.module)
		if err != nil {
			release()
			return nil, err
		}
		if _, err := inst.GetFunc(store, "_start").Call(store); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

func (w *wasmtimeSubject) close() {
	w.linker.Close()
	w.module.Close()
	w.engine.Close()
}
