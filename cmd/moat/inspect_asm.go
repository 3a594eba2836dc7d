package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/wasm"
)

// inspectAsm prints the optimised SSA and the assembly of one defined
// function of m, named by index, name-section name or export name.
func inspectAsm(stdout, stderr io.Writer, file *moduleFile, m *wasm.Module, fn string, cfg moat.Config) int {
	path := file.path
	if err := validateModule(m); err != nil {
		fmt.Fprintf(stderr, "moat inspect: %s\n", file.describe(err))
		return exitFailure
	}
	idx, ok := findFunc(m, fn)
	if !ok {
		fmt.Fprintf(stderr, "moat inspect: %s: no defined function %q\n", path, fn)
		return exitFailure
	}
	ssaText, asm, err := compiler.Listing(m, idx, compilerMemory(cfg))
	if err != nil {
		fmt.Fprintf(stderr, "moat inspect: %s: function %d: %v\n", path, idx, err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "; function %d", idx)
	if n := m.FuncName(idx); n != "" {
		fmt.Fprintf(stdout, " $%s", n)
	}
	fmt.Fprintf(stdout, "\n%s\n%s", ssaText, asm)
	return exitOK
}

// findFunc resolves a defined function by index, name or export name.
func findFunc(m *wasm.Module, fn string) (uint32, bool) {
	defined := func(i uint32) bool {
		return i >= m.NumImportedFuncs && i-m.NumImportedFuncs < uint32(len(m.Funcs))
	}
	if i, err := strconv.ParseUint(fn, 10, 32); err == nil {
		return uint32(i), defined(uint32(i))
	}
	for i := range m.Funcs {
		idx := m.NumImportedFuncs + uint32(i)
		if m.FuncName(idx) == fn {
			return idx, true
		}
	}
	for _, ex := range m.Exports {
		if ex.Kind == wasm.ExternFunc && ex.Name == fn {
			return ex.Index, defined(ex.Index)
		}
	}
	return 0, false
}

// compilerMemory is the compiler's memory configuration for the -O options
// in cfg (the listing and the artifact check build no moat.Engine).
func compilerMemory(cfg moat.Config) compiler.MemoryConfig {
	checks := map[moat.BoundsChecks]compiler.BoundsChecks{
		moat.BoundsChecksAuto:       compiler.BoundsChecksAuto,
		moat.BoundsChecksGuardPages: compiler.BoundsChecksGuardPages,
		moat.BoundsChecksExplicit:   compiler.BoundsChecksExplicit,
	}
	return compiler.MemoryConfig{Checks: checks[cfg.BoundsChecks], Reservation: cfg.MemoryReservation, GuardSize: cfg.MemoryGuardSize}
}
