package compiler

import (
	"fmt"
	"os"
	"sync"
)

// Linux perf's JIT symbol map (Wasmtime's --profile=perfmap): with the
// environment variable MOAT_PERFMAP set, the functions of every module
// linked or loaded from an artifact are appended to /tmp/perf-PID.map as
// "START SIZE NAME" lines, so that `perf record` / `perf report` name
// generated code.

var perfMap struct {
	sync.Mutex
	f    *os.File
	done bool
}

// writePerfMap records mc's functions, when MOAT_PERFMAP asks for it.
func writePerfMap(mc *moduleCode) {
	if os.Getenv("MOAT_PERFMAP") == "" {
		return
	}
	perfMap.Lock()
	defer perfMap.Unlock()
	if !perfMap.done {
		perfMap.done = true
		f, err := os.OpenFile(fmt.Sprintf("/tmp/perf-%d.map", os.Getpid()), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return
		}
		perfMap.f = f
	}
	if perfMap.f == nil {
		return
	}
	base := mc.code.Addr()
	t := mc.tables
	for i := range t.numFuncs {
		fn := mc.m.NumImportedFuncs + uint32(i)
		name := mc.m.Names.Funcs[fn]
		if name == "" {
			name = fmt.Sprintf("func%d", fn)
		}
		fmt.Fprintf(perfMap.f, "%x %x wasm!%s\n", base+uintptr(t.funcStart(i)), t.funcEnd(i)-t.funcStart(i), name)
	}
}
