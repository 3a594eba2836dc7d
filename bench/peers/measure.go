package peers

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// Cell is one program on one engine: medians over the cells measured.
type Cell struct {
	Compile, Run time.Duration
	// Spread is how far the run times of the cells measured lie from Run:
	// half their range over their median (0.05: within ±5%).
	Spread float64
	// Reps is how many times each measured cell ran the program.
	Reps int
	// Samples are the measured cells in the order they ran (the same
	// order on every engine of a row), for ratios cell by cell.
	Samples []Measurement
	Note    string // from the engine's Prepared.Note
	Err     error  // the first failure; the cell has no figures then
}

// Measurement is one measured cell: its compile time and the mean run
// time of its repetitions.
type Measurement struct {
	Compile, Run time.Duration
}

// Row is one program on every engine, in the engines' order.
type Row struct {
	Program string
	Cells   []Cell
}

// Options say how much Measure runs.
type Options struct {
	// Cells is how many measured cells each program gets on each engine
	// (the figures are their medians). Each cell is a fresh engine and
	// compilation, then Reps runs of the program in fresh instances.
	Cells int
	// MinCell is the least measured time a cell should hold: a program
	// whose region is shorter on its fastest engine is repeated within
	// each cell (the same number of times on every engine) until it holds
	// this much, at most MaxReps times. Zero: one run per cell.
	MinCell time.Duration
	// MaxReps bounds the repetitions per cell (programs whose region
	// takes microseconds would otherwise run for minutes).
	MaxReps int
}

// DefaultOptions are the measurement settings of cmd/peers.
var DefaultOptions = Options{Cells: 5, MinCell: 100 * time.Millisecond, MaxReps: 200}

// Measure runs every program on every engine: first once on each engine
// unmeasured (a warm-up that also says how long the region takes), then in
// opts.Cells measured cells. In a cell every engine compiles the program
// afresh, then the engines take turns running it, one repetition each, the
// order rotated from one turn and one cell to the next, so that a change in
// the machine's speed (other jobs on a shared machine move it by several
// times, for seconds) hits every engine alike. Each program gets a private
// copy of its folder (programs may write there), shared by the engines. An
// engine that fails on a program is not run on it again; its cell carries
// the error. Progress lines go to log (nil: none).
func Measure(progs []Program, engines []Engine, opts Options, log io.Writer) ([]Row, error) {
	opts.Cells = max(opts.Cells, 1)
	opts.MaxReps = max(opts.MaxReps, 1)
	if log == nil {
		log = io.Discard
	}
	rows := make([]Row, 0, len(progs))
	for _, p := range progs {
		row, err := measureProgram(p, engines, opts)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", p.Name, err)
		}
		fmt.Fprintf(log, "%-22s", p.Name)
		for i, c := range row.Cells {
			if c.Err != nil {
				fmt.Fprintf(log, "  %s: FAILED", engines[i].Name)
				continue
			}
			fmt.Fprintf(log, "  %s: compile %s ms, run %s ms ±%.0f%% (x%d)", engines[i].Name, millis(c.Compile), millis(c.Run), 100*c.Spread, c.Reps)
		}
		fmt.Fprintln(log)
		rows = append(rows, row)
	}
	return rows, nil
}

// programRun is one program's measurement in progress.
type programRun struct {
	p       Program
	wasm    []byte
	dir     string
	engines []Engine
	row     Row
}

// live tells whether engine i may still run the program, marking it
// failed when it is unavailable.
func (r *programRun) live(i int) bool {
	c := &r.row.Cells[i]
	if c.Err == nil && r.engines[i].Unavailable != nil {
		c.Err = r.engines[i].Unavailable
	}
	return c.Err == nil
}

// prepare compiles the program on engine i (nil when it failed).
func (r *programRun) prepare(i int) *Prepared {
	if !r.live(i) {
		return nil
	}
	runtime.GC() // start each compile with a clean heap
	prep, err := r.engines[i].Prepare(r.p, r.wasm, r.dir)
	if err != nil {
		r.row.Cells[i].Err = err
		return nil
	}
	r.row.Cells[i].Note = prep.Note
	return prep
}

// run runs a prepared program once, giving its region (false when it
// failed).
func (r *programRun) run(i int, prep *Prepared) (time.Duration, bool) {
	if prep == nil || !r.live(i) {
		return 0, false
	}
	runtime.GC() // no run pays for another's garbage
	// On one thread from bench.start to bench.end, for ThreadClock.
	runtime.LockOSThread()
	d, err := prep.Run()
	runtime.UnlockOSThread()
	if err != nil {
		r.row.Cells[i].Err = err
		return 0, false
	}
	return d, true
}

// cell compiles the program on every engine, then runs it reps times on
// each, the engines taking turns (the order rotated by turn, starting at
// first). Failed engines have no measurement.
func (r *programRun) cell(first, reps int) []*Measurement {
	n := len(r.engines)
	preps := make([]*Prepared, n)
	defer func() {
		for _, prep := range preps {
			if prep != nil {
				prep.Close()
			}
		}
	}()
	out := make([]*Measurement, n)
	for k := range n {
		i := (first + k) % n
		if preps[i] = r.prepare(i); preps[i] != nil {
			out[i] = &Measurement{Compile: preps[i].Compile}
		}
	}
	for turn := range reps {
		for k := range n {
			i := (first + turn + k) % n
			if out[i] == nil {
				continue
			}
			d, ok := r.run(i, preps[i])
			if !ok {
				out[i] = nil
				continue
			}
			out[i].Run += d
		}
	}
	for _, m := range out {
		if m != nil {
			m.Run /= time.Duration(reps)
		}
	}
	return out
}

func measureProgram(p Program, engines []Engine, opts Options) (Row, error) {
	r := &programRun{p: p, engines: engines, row: Row{Program: p.Name, Cells: make([]Cell, len(engines))}}
	var err error
	r.wasm, err = os.ReadFile(filepath.Join(p.Dir, p.Module))
	if err != nil {
		return r.row, err
	}
	tmp, err := os.MkdirTemp("", "peers-")
	if err != nil {
		return r.row, err
	}
	defer os.RemoveAll(tmp)
	r.dir = filepath.Join(tmp, filepath.Base(p.Dir))
	if err := os.CopyFS(r.dir, os.DirFS(p.Dir)); err != nil {
		return r.row, err
	}

	// Warm-up: the shortest region decides the repetitions.
	shortest := time.Duration(-1)
	for _, m := range r.cell(0, 1) {
		if m != nil && (shortest < 0 || m.Run < shortest) {
			shortest = m.Run
		}
	}
	reps := repsFor(shortest, opts)

	samples := make([][]Measurement, len(engines))
	for c := range opts.Cells {
		for i, m := range r.cell(c, reps) {
			if m != nil {
				samples[i] = append(samples[i], *m)
			}
		}
	}
	for i, s := range samples {
		c := &r.row.Cells[i]
		if c.Err != nil || len(s) == 0 {
			continue
		}
		c.Compile = median(s, func(m Measurement) time.Duration { return m.Compile })
		c.Run = median(s, func(m Measurement) time.Duration { return m.Run })
		c.Spread = spread(s, c.Run)
		c.Reps = reps
		c.Samples = s
	}
	return r.row, nil
}

// repsFor gives the repetitions per cell for a program whose region took
// shortest on its fastest engine (negative: no engine ran it).
func repsFor(shortest time.Duration, opts Options) int {
	switch {
	case opts.MinCell <= 0 || shortest < 0:
		return 1
	case shortest == 0:
		return opts.MaxReps
	}
	reps := (opts.MinCell + shortest - 1) / shortest
	return int(min(max(reps, 1), time.Duration(opts.MaxReps)))
}

// spread is half the range of the samples' run times over their median.
func spread(s []Measurement, median time.Duration) float64 {
	if median <= 0 {
		return 0
	}
	lo, hi := s[0].Run, s[0].Run
	for _, m := range s[1:] {
		lo, hi = min(lo, m.Run), max(hi, m.Run)
	}
	return float64(hi-lo) / 2 / float64(median)
}

// median of one field over the samples.
func median(s []Measurement, field func(Measurement) time.Duration) time.Duration {
	v := make([]time.Duration, len(s))
	for i, m := range s {
		v[i] = field(m)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
