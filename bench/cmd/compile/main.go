package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/moat-run/moat/bench/peers"
	"github.com/moat-run/moat/internal/stress"
)

func main() {
	runs := flag.Int("runs", 3, "compiles per module and engine; cells are medians")
	threads := flag.Int("threads", 1, "GOMAXPROCS during the measurement; 1 also makes Wasmtime compile serially")
	engineList := flag.String("engines", "moat,wazero,wasmtime", "comma-separated engines; ratios are the first's time over each other's")
	gostd := flag.String("gostd", "", `comma-separated Go standard-library packages whose wasip1 test binaries are built and compiled ("all": `+strings.Join(peers.GoStdPackages, ",")+")")
	merges := flag.String("live-merges", "", "comma-separated LOCALSxMERGES shapes of stress.LiveAcrossMerges to compile (e.g. 1000x10000: 1,000 locals live across 10,000 if/else merges, 280 KB)")
	flag.Int64Var(&peers.MoatCompileBudget.MaxFuncWork, "max-func-work", 0, "moat's CompileBudget.MaxFuncWork (0: its default, negative: no cap)")
	clockName := flag.String("clock", "wall", "what a compile is timed by: wall (elapsed time) or cpu (the process's CPU time, all threads)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurement to this file")
	sizeClasses := flag.String("size-classes", "", `comma-separated body sizes in bytes (e.g. 100,1024,8192,65536): compile, for each module, one copy keeping only the bodies of each size class and one keeping none (the others become "unreachable")`)
	flag.Parse()
	if err := run(*runs, *threads, *engineList, *gostd, *merges, *clockName, *cpuprofile, *sizeClasses, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "compile:", err)
		os.Exit(1)
	}
}

func run(runs, threads int, engineList, gostd, merges, clockName, cpuprofile, sizeClasses string, files []string) error {
	if threads < 1 {
		return errors.New("-threads must be at least 1")
	}
	clocks := map[string]peers.Clock{"wall": peers.WallClock, "cpu": peers.CPUClock}
	clock, ok := clocks[clockName]
	if !ok {
		return fmt.Errorf("-clock: %q is neither wall nor cpu", clockName)
	}
	compilers, err := pickCompilers(engineList)
	if err != nil {
		return err
	}
	var mods []peers.NamedModule
	for _, f := range files {
		wasm, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		mods = append(mods, peers.NamedModule{Name: filepath.Base(f), Wasm: wasm})
	}
	if merges != "" {
		for _, shape := range strings.Split(merges, ",") {
			var locals, n int
			if _, err := fmt.Sscanf(shape, "%dx%d", &locals, &n); err != nil {
				return fmt.Errorf("-live-merges: %q is not LOCALSxMERGES", shape)
			}
			mods = append(mods, peers.NamedModule{Name: "live-merges " + shape, Wasm: stress.LiveAcrossMerges(locals, n)})
		}
	}
	if gostd != "" {
		pkgs := strings.Split(gostd, ",")
		if gostd == "all" {
			pkgs = peers.GoStdPackages
		}
		tmp, err := os.MkdirTemp("", "compile-gostd-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		fmt.Fprintf(os.Stderr, "building %d Go test binaries for wasip1\n", len(pkgs))
		built, err := peers.BuildGoTests(pkgs, tmp)
		if err != nil {
			return err
		}
		mods = append(mods, built...)
	}
	if len(mods) == 0 {
		return errors.New("nothing to compile: name .wasm files or pass -gostd")
	}
	if sizeClasses != "" {
		bounds, err := parseBounds(sizeClasses)
		if err != nil {
			return err
		}
		if mods, err = bySizeClass(mods, bounds); err != nil {
			return err
		}
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(os.Stderr, "%d modules on %s, %d runs each, %d threads\n", len(mods), names(compilers), runs, threads)
	rows := peers.MeasureCompile(mods, compilers, runs, threads, clock, os.Stderr)
	fmt.Printf("%s/%s, %s, %d CPU, GOMAXPROCS=%d, %s time, median of %d compiles per cell, a fresh engine each\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), threads, clockName, runs)
	peers.WriteCompileTable(os.Stdout, rows, compilers)
	for _, row := range rows {
		for _, c := range row.Cells {
			if c.Err != nil {
				return errors.New("some compiles failed (see FAILED above)")
			}
		}
	}
	return nil
}

// pickCompilers parses -engines; an engine unavailable here (Wasmtime
// without cgo) is dropped with a message.
func pickCompilers(list string) ([]peers.Compiler, error) {
	var out []peers.Compiler
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		c, ok := peers.CompilerNamed(n)
		if !ok {
			return nil, fmt.Errorf("-engines: unknown engine %q (have %s)", n, names(peers.Compilers()))
		}
		if c.Unavailable != nil {
			fmt.Fprintf(os.Stderr, "compile: skipping %s: %v\n", n, c.Unavailable)
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("-engines: no engine available")
	}
	return out, nil
}

func names(cs []peers.Compiler) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}
