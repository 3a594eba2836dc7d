package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/moat-run/moat/bench/peers"
)

func main() {
	runs := flag.Int("runs", peers.DefaultOptions.Cells, "measured cells per program and engine (a fresh engine and compile each); figures are their medians")
	minCell := flag.Duration("min-cell", peers.DefaultOptions.MinCell, "repeat a program whose region is shorter within each cell until the cell holds this much (0: one run per cell)")
	maxReps := flag.Int("max-reps", peers.DefaultOptions.MaxReps, "at most this many repetitions per cell")
	filter := flag.String("filter", "", "run only the programs whose name matches this regexp")
	engineList := flag.String("engines", "moat,wazero,wasmtime", "comma-separated engines, moat (guard pages), moat-explicit (explicit bounds checks) or moat-interp (the interpreter) first (the ratios' numerator)")
	dir := flag.String("dir", "", "the benchmark folder (default: $MOAT_BENCH, else ../shared/bench beside the repository)")
	clock := flag.String("clock", "wall", "what the measured region is timed by: wall, cpu (the process's CPU time: steadier on a shared machine) or thread (the CPU time of the thread the guest runs on: other threads' work left out)")
	flag.Parse()
	switch *clock {
	case "wall":
	case "cpu":
		peers.RegionClock = peers.CPUClock
	case "thread":
		peers.RegionClock = peers.ThreadClock
	default:
		fmt.Fprintln(os.Stderr, "peers: -clock must be wall, cpu or thread")
		os.Exit(2)
	}
	opts := peers.Options{Cells: *runs, MinCell: *minCell, MaxReps: *maxReps}
	if err := run(opts, *filter, *engineList, *dir, *clock); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run(opts peers.Options, filter, engineList, dir, clock string) error {
	root, err := benchRoot(dir)
	if err != nil {
		return err
	}
	progs, err := peers.Programs(root)
	if err != nil {
		return err
	}
	if filter != "" {
		re, err := regexp.Compile(filter)
		if err != nil {
			return fmt.Errorf("-filter: %w", err)
		}
		progs = peers.Filter(progs, re.MatchString)
		if len(progs) == 0 {
			return fmt.Errorf("-filter %q matches no program", filter)
		}
	}
	engines, err := pickEngines(engineList)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d programs from %s on %s, %d cells each\n", len(progs), root, names(engines), opts.Cells)
	rows, err := peers.Measure(progs, engines, opts, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("%s/%s, %s, %d CPU, %s clock; median of %d cells per program and engine, engines alternated; a cell: compile, then reps x (instantiate, _start) until it holds %v (at most %d); run = bench.start to bench.end, per repetition; ± = half the cells' range over their median\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), clock, opts.Cells, opts.MinCell, opts.MaxReps)
	peers.WriteTable(os.Stdout, rows, engines)
	for _, row := range rows {
		for _, c := range row.Cells {
			if c.Err != nil {
				return errors.New("some runs failed (see FAILED above)")
			}
		}
	}
	return nil
}

// pickEngines parses -engines. Wasmtime without cgo is dropped with a
// message rather than failing every row.
func pickEngines(list string) ([]peers.Engine, error) {
	var out []peers.Engine
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		e, ok := peers.EngineNamed(n)
		if !ok {
			return nil, fmt.Errorf("-engines: unknown engine %q (have moat, moat-explicit, moat-interp, wazero, wasmtime)", n)
		}
		if e.Unavailable != nil {
			fmt.Fprintf(os.Stderr, "peers: skipping %s: %v\n", n, e.Unavailable)
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 || !strings.HasPrefix(out[0].Name, "moat") {
		return nil, errors.New("-engines must start with moat, moat-explicit or moat-interp: ratios are its time over each peer's")
	}
	return out, nil
}

func names(engines []peers.Engine) string {
	s := make([]string, len(engines))
	for i, e := range engines {
		s[i] = e.Name
	}
	return strings.Join(s, ", ")
}

// benchRoot finds the benchmark folder: the flag, then $MOAT_BENCH, then
// ../shared/bench beside the repository (found by walking up from the
// working directory to the core module's go.mod).
func benchRoot(flagDir string) (string, error) {
	if flagDir != "" {
		return flagDir, nil
	}
	if env := os.Getenv("MOAT_BENCH"); env != "" {
		return env, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		mod, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(string(mod), "module github.com/moat-run/moat\n") {
			root := filepath.Join(d, "..", "shared", "bench")
			if _, err := os.Stat(root); err != nil {
				return "", fmt.Errorf("no benchmark folder at %s: pass -dir or set MOAT_BENCH", root)
			}
			return root, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("repository root not found: pass -dir or set MOAT_BENCH")
		}
	}
}
