package peers

import (
	"errors"
	"fmt"
	"time"
)

// Engine is one runtime the programs run on.
type Engine struct {
	Name string
	// Unavailable, when not nil, says why this engine cannot run here
	// (e.g. Wasmtime in a build without cgo).
	Unavailable error
	// Prepare compiles wasm on a fresh engine, timing the compilation.
	// The Prepared it gives runs the program in fresh instances; the caller
	// closes it.
	Prepare func(p Program, wasm []byte, dir string) (*Prepared, error)
}

// Prepared is a program compiled on a fresh engine, ready to run.
type Prepared struct {
	Compile time.Duration // bytes to a module ready to instantiate
	// Note marks a program that did not use the engine's usual tier, e.g.
	// moat's interpreter for a SIMD module its compiler refuses.
	Note string
	// Run instantiates the program with WASI (dir preopened as "/",
	// argv[0] only, empty environment and stdin) and the bench imports in
	// a fresh store, calls _start, and gives the time between bench.start
	// and bench.end. A trap, a non-zero exit or output that differs from
	// the program's expectations is an error.
	Run func() (time.Duration, error)
	// Close releases the engine and what it compiled.
	Close func()
}

// Engines lists the engines, moat first (the ratios' numerator).
func Engines() []Engine {
	return []Engine{moatEngine(), wazeroEngine(), wasmtimeEngine()}
}

// EngineNamed finds an engine of Engines by name, moat-explicit (moat
// with explicit bounds checks instead of guard pages), or moat-interp
// (moat's interpreter).
func EngineNamed(name string) (Engine, bool) {
	for _, e := range append(Engines(), moatExplicitEngine(), moatInterpEngine()) {
		if e.Name == name {
			return e, true
		}
	}
	return Engine{}, false
}

// RegionClock times the measured region (bench.start to bench.end):
// WallClock by default; CPUClock (the process's CPU time) moves less on a
// machine shared with other jobs, and the guest runs on one thread.
var RegionClock Clock = WallClock

// region times the guest's measured region, from bench.start to bench.end.
// A program that opens it several times is timed over all of them.
type region struct {
	began        time.Duration
	total        time.Duration
	starts, ends int
}

func (r *region) start() {
	r.starts++
	r.began = RegionClock()
}

func (r *region) end() {
	r.total += RegionClock() - r.began
	r.ends++
}

// elapsed gives the measured time, or an error when the calls were unpaired.
func (r *region) elapsed() (time.Duration, error) {
	if r.starts == 0 {
		return 0, errors.New("the program never called bench.start")
	}
	if r.starts != r.ends {
		return 0, fmt.Errorf("bench.start called %d times but bench.end %d", r.starts, r.ends)
	}
	return r.total, nil
}

// finish checks a finished run's exit code and output and gives the
// measured region.
func finish(p Program, reg *region, exitCode uint32, stdout, stderr []byte) (time.Duration, error) {
	if exitCode != 0 {
		return 0, fmt.Errorf("exit code %d; stderr: %s", exitCode, excerpt(stderr))
	}
	if err := p.checkOutput(stdout, stderr); err != nil {
		return 0, err
	}
	return reg.elapsed()
}
