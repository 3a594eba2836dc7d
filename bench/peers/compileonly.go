package peers

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"time"

	"github.com/moat-run/moat"
	"github.com/tetratelabs/wazero"
)

// Compiler compiles a module without running it: one fresh engine per call,
// so nothing is cached between calls. Threads is how many threads the
// compilation may use: Go engines run with GOMAXPROCS set to it by the
// caller; Wasmtime, whose compile threads are its own, compiles serially
// when it is 1 (Config.SetParallelCompilation(false)) and in parallel
// otherwise. Compile returns the time the call took by the clock given.
type Compiler struct {
	Name string
	// Unavailable, when not nil, says why this engine cannot run here.
	Unavailable error
	Compile     func(wasm []byte, threads int, clock Clock) (time.Duration, error)
}

// Clock measures a compilation.
type Clock func() time.Duration

// WallClock is elapsed real time: what a caller waits for.
func WallClock() time.Duration { return time.Duration(time.Now().UnixNano()) }

// CPUClock is the process's user and system CPU time, all threads: the
// work done, which other load on a shared machine does not inflate (a
// parallel compilation counts every thread's time).
func CPUClock() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Compilers lists the engines that can compile a module alone: moat's
// compiler, moat's interpreter (its translation to register code: the
// baseline-tier data point), wazero's optimizing compiler and interpreter,
// and Wasmtime with Cranelift at its default and its lowest optimization
// level.
func Compilers() []Compiler {
	return []Compiler{
		{Name: "moat", Compile: compileMoatOnly(moat.EngineCompiler)},
		{Name: "moat-interp", Compile: compileMoatOnly(moat.EngineInterpreter)},
		{Name: "wazero", Compile: compileWazeroOnly(wazero.NewRuntimeConfigCompiler)},
		{Name: "wazero-interp", Compile: compileWazeroOnly(wazero.NewRuntimeConfigInterpreter)},
		wasmtimeCompiler("wasmtime", false),
		wasmtimeCompiler("wasmtime-o0", true),
	}
}

// CompilerNamed finds a compiler of Compilers by name.
func CompilerNamed(name string) (Compiler, bool) {
	for _, c := range Compilers() {
		if c.Name == name {
			return c, true
		}
	}
	return Compiler{}, false
}

// MoatCompileBudget is the compile budget of the moat engines Compilers
// makes (the zero value: moat's defaults).
var MoatCompileBudget moat.CompileBudget

func compileMoatOnly(kind moat.EngineKind) func([]byte, int, Clock) (time.Duration, error) {
	return func(wasm []byte, _ int, clock Clock) (time.Duration, error) {
		eng, err := moat.NewEngine(moat.Config{Engine: kind, CompileBudget: MoatCompileBudget})
		if err != nil {
			return 0, err
		}
		start := clock()
		_, err = eng.Compile(wasm)
		return clock() - start, err
	}
}

func compileWazeroOnly(config func() wazero.RuntimeConfig) func([]byte, int, Clock) (time.Duration, error) {
	return func(wasm []byte, _ int, clock Clock) (time.Duration, error) {
		ctx := context.Background()
		rt := wazero.NewRuntimeWithConfig(ctx, config())
		defer rt.Close(ctx)
		start := clock()
		_, err := rt.CompileModule(ctx, wasm)
		return clock() - start, err
	}
}

// CompileSample is one module compiled by one engine: the median time over
// the runs.
type CompileSample struct {
	Time time.Duration
	Err  error
}

// CompileRow is one module on every engine, in the engines' order.
type CompileRow struct {
	Module string
	Size   int
	Cells  []CompileSample
}

// MeasureCompile compiles each module runs times on every engine,
// interleaving the engines run by run, with GOMAXPROCS set to threads for
// the whole measurement (restored after), each compile timed by clock.
// Progress lines go to log.
func MeasureCompile(mods []NamedModule, compilers []Compiler, runs, threads int, clock Clock, log io.Writer) []CompileRow {
	if runs < 1 {
		runs = 1
	}
	if log == nil {
		log = io.Discard
	}
	prev := runtime.GOMAXPROCS(threads)
	defer runtime.GOMAXPROCS(prev)
	rows := make([]CompileRow, 0, len(mods))
	for _, m := range mods {
		row := CompileRow{Module: m.Name, Size: len(m.Wasm), Cells: make([]CompileSample, len(compilers))}
		samples := make([][]Measurement, len(compilers))
		for range runs {
			for i, c := range compilers {
				if row.Cells[i].Err != nil {
					continue
				}
				if c.Unavailable != nil {
					row.Cells[i].Err = c.Unavailable
					continue
				}
				runtime.GC()
				d, err := c.Compile(m.Wasm, threads, clock)
				if err != nil {
					row.Cells[i].Err = err
					continue
				}
				samples[i] = append(samples[i], Measurement{Compile: d})
			}
		}
		fmt.Fprintf(log, "%-24s", m.Name)
		for i, s := range samples {
			if row.Cells[i].Err != nil {
				fmt.Fprintf(log, "  %s: FAILED (%v)", compilers[i].Name, row.Cells[i].Err)
				continue
			}
			row.Cells[i].Time = median(s, func(m Measurement) time.Duration { return m.Compile })
			fmt.Fprintf(log, "  %s: %s ms", compilers[i].Name, millis(row.Cells[i].Time))
		}
		fmt.Fprintln(log)
		rows = append(rows, row)
	}
	return rows
}

// NamedModule is a module's bytes with the name it is reported under.
type NamedModule struct {
	Name string
	Wasm []byte
}
