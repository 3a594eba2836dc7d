package main

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// engineNamed returns the engine called name. slots is the pool size of
// the pooling engines (at least 1000, Wasmtime's default).
func engineNamed(name string) (engine, bool) {
	return engineWithSlots(name, 1000)
}

func engineWithSlots(name string, slots int) (engine, bool) {
	slots = max(slots, 1000)
	switch name {
	case "moat":
		return moatEngine(name, moat.Config{Engine: moat.EngineCompiler}), true
	case "moat-explicit":
		return moatEngine(name, moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit}), true
	case "moat-pool", "moat-pool-nokeep":
		return moatEngine(name, moat.Config{Engine: moat.EngineCompiler,
			Pooling: &moat.PoolingConfig{TotalMemories: slots, LinearMemoryKeepResident: keepResident(name)}}), true
	case "moat-pool-explicit", "moat-pool-explicit-nokeep":
		// Slots of 64 MiB hold bz2 and regex; the density child uses
		// 1 MiB slots, enough for hello, so that 100,000 fit.
		size := uint64(64 << 20)
		if slots > 1000 {
			size = 1 << 20
		}
		return moatEngine(name, moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit,
			Pooling: &moat.PoolingConfig{TotalMemories: slots, MaxMemorySize: size, LinearMemoryKeepResident: keepResident(name)}}), true
	case "wazero":
		return engine{name: name, make: newWazero}, true
	case "wasmtime":
		return wasmtimeEngine(name, false), true
	case "wasmtime-pool":
		return wasmtimeEngine(name, true), true
	}
	return engine{}, false
}

// keepResident is the pool's LinearMemoryKeepResident for an engine
// name: the -nokeep engines give every page of a slot back to the kernel
// when their instance closes (the reset before keep-resident).
func keepResident(name string) int64 {
	if strings.HasSuffix(name, "-nokeep") {
		return -1
	}
	return 0
}

// moatSubject is a module pre-linked on a moat engine, with its WASI
// configuration prepared once.
type moatSubject struct {
	e    *moat.Engine
	pre  *moat.InstancePre
	wasi *wasi.Prepared
}

func moatEngine(name string, cfg moat.Config) engine {
	e, err := moat.NewEngine(cfg)
	return engine{name: name, unavailable: err, make: func(b []byte) (subject, error) {
		mod, err := e.Compile(b)
		if err != nil {
			return nil, err
		}
		l := moat.NewLinker(e)
		if err := wasi.DefineImports(l); err != nil {
			return nil, err
		}
		l.DefineFunc("bench", "start", func() {})
		l.DefineFunc("bench", "end", func() {})
		pre, err := l.Prepare(mod)
		if err != nil {
			return nil, err
		}
		w, err := wasi.Prepare(wasi.Config{Stdout: io.Discard})
		if err != nil {
			return nil, err
		}
		return &moatSubject{e: e, pre: pre, wasi: w}, nil
	}}
}

func (m *moatSubject) cycle(call bool) error {
	ctx := context.Background()
	s := moat.NewStore(m.e)
	inst, err := m.pre.Instantiate(ctx, s)
	if err != nil {
		return err
	}
	if call {
		var stack [2]uint64
		stack[0], stack[1] = 1, 2
		if err := inst.Func("add").CallWithStack(ctx, stack[:]); err != nil {
			return err
		}
		if stack[0] != 3 {
			return errors.New("add(1, 2) is not 3")
		}
	}
	return s.Close()
}

func (m *moatSubject) hold(n int) (func(), error) {
	ctx := context.Background()
	stores := make([]*moat.Store, 0, n)
	release := func() {
		for _, s := range stores {
			s.Close()
		}
	}
	for range n {
		s := moat.NewStore(m.e)
		stores = append(stores, s)
		if _, err := m.wasi.Attach(s); err != nil {
			release()
			return nil, err
		}
		inst, err := m.pre.Instantiate(ctx, s)
		if err != nil {
			release()
			return nil, err
		}
		if code, err := wasi.Run(ctx, inst); code != 0 || err != nil {
			release()
			return nil, errors.Join(err, errors.New("_start failed"))
		}
	}
	return release, nil
}

func (m *moatSubject) close() { m.wasi.Close() }

// wazeroSubject is a module compiled by wazero's optimizing compiler.
type wazeroSubject struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
}

func newWazero(b []byte) (subject, error) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	noop := api.GoFunc(func(context.Context, []uint64) {})
	if _, err := rt.NewHostModuleBuilder("bench").
		NewFunctionBuilder().WithGoFunction(noop, nil, nil).Export("start").
		NewFunctionBuilder().WithGoFunction(noop, nil, nil).Export("end").
		Instantiate(ctx); err != nil {
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, b)
	if err != nil {
		return nil, err
	}
	return &wazeroSubject{rt: rt, compiled: compiled}, nil
}

func (w *wazeroSubject) cycle(call bool) error {
	ctx := context.Background()
	mod, err := w.rt.InstantiateModule(ctx, w.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return err
	}
	if call {
		r, err := mod.ExportedFunction("add").Call(ctx, 1, 2)
		if err != nil {
			return err
		}
		if r[0] != 3 {
			return errors.New("add(1, 2) is not 3")
		}
	}
	return mod.Close(ctx)
}

func (w *wazeroSubject) hold(n int) (func(), error) {
	ctx := context.Background()
	var mods []api.Module
	release := func() {
		for _, m := range mods {
			m.Close(ctx)
		}
	}
	for range n {
		mod, err := w.rt.InstantiateModule(ctx, w.compiled, wazero.NewModuleConfig().WithName("").WithStdout(io.Discard))
		if err != nil {
			release()
			return nil, err
		}
		mods = append(mods, mod)
	}
	return release, nil
}

func (w *wazeroSubject) close() { w.rt.Close(context.Background()) }
