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

// Cell is one program on one engine: medians over the runs.
type Cell struct {
	Compile, Run time.Duration
	Note         string // from the runs' Measurement.Note
	Err          error  // the first failed run; the cell has no figures then
}

// Row is one program on every engine, in the engines' order.
type Row struct {
	Program string
	Cells   []Cell
}

// Measure runs every program runs times on every engine, interleaving the
// engines run by run so that drift in the machine's speed hits all alike.
// Each program gets a private copy of its folder (programs may write
// there), shared by the engines. An engine that fails on a program is not
// run on it again; its cell carries the error. Progress lines go to log
// (nil: none).
func Measure(progs []Program, engines []Engine, runs int, log io.Writer) ([]Row, error) {
	if runs < 1 {
		runs = 1
	}
	if log == nil {
		log = io.Discard
	}
	rows := make([]Row, 0, len(progs))
	for _, p := range progs {
		row, err := measureProgram(p, engines, runs)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", p.Name, err)
		}
		fmt.Fprintf(log, "%-22s", p.Name)
		for i, c := range row.Cells {
			if c.Err != nil {
				fmt.Fprintf(log, "  %s: FAILED", engines[i].Name)
				continue
			}
			fmt.Fprintf(log, "  %s: compile %s ms, run %s ms", engines[i].Name, millis(c.Compile), millis(c.Run))
		}
		fmt.Fprintln(log)
		rows = append(rows, row)
	}
	return rows, nil
}

func measureProgram(p Program, engines []Engine, runs int) (Row, error) {
	row := Row{Program: p.Name, Cells: make([]Cell, len(engines))}
	wasm, err := os.ReadFile(filepath.Join(p.Dir, p.Module))
	if err != nil {
		return row, err
	}
	tmp, err := os.MkdirTemp("", "peers-")
	if err != nil {
		return row, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, filepath.Base(p.Dir))
	if err := os.CopyFS(dir, os.DirFS(p.Dir)); err != nil {
		return row, err
	}
	samples := make([][]Measurement, len(engines))
	for range runs {
		for i, e := range engines {
			if row.Cells[i].Err != nil {
				continue
			}
			if e.Unavailable != nil {
				row.Cells[i].Err = e.Unavailable
				continue
			}
			runtime.GC() // start each run with a clean heap: no run pays for another's garbage
			m, err := e.Run(p, wasm, dir)
			if err != nil {
				row.Cells[i].Err = err
				continue
			}
			samples[i] = append(samples[i], m)
		}
	}
	for i, s := range samples {
		if row.Cells[i].Err != nil || len(s) == 0 {
			continue
		}
		row.Cells[i] = Cell{
			Compile: median(s, func(m Measurement) time.Duration { return m.Compile }),
			Run:     median(s, func(m Measurement) time.Duration { return m.Run }),
			Note:    s[0].Note,
		}
	}
	return row, nil
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
