package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// subject is one engine set up for one module: compiled and pre-linked.
type subject interface {
	// cycle instantiates, calls add(1, 2) when call is set, and closes.
	cycle(call bool) error
	// hold makes n live instances, each having run _start, and returns
	// what releases them.
	hold(n int) (func(), error)
	close()
}

// engine makes subjects.
type engine struct {
	name string
	make func(wasm []byte) (subject, error)
	// unavailable says why the engine cannot run here (nil: it can).
	unavailable error
}

func main() {
	modules := flag.String("modules", "add,hello,bz2,regex", "modules to instantiate")
	engineList := flag.String("engines", "moat-pool,moat-pool-explicit,moat,wazero,wasmtime,wasmtime-pool", "engines, in the table's order")
	n := flag.Int("n", 2000, "cycles per batch")
	runs := flag.Int("runs", 5, "batches per cell; cells are medians")
	density := flag.Int("density", 1000, "live hello instances per engine for the density table (0: none)")
	throughput := flag.Duration("throughput", 2*time.Second, "how long to run the throughput measure (0: not at all)")
	child := flag.String("child", "", "internal: run the density child for this engine")
	flag.BoolVar(&showFaults, "faults", false, "add the calling thread's minor page faults per cycle to each cell")
	memProfile := flag.String("memprofile", "", "with -child: write a heap profile of the live instances (every allocation sampled) to this file")
	flag.Parse()
	if *child != "" {
		if err := densityChild(*child, *density, *memProfile); err != nil {
			fmt.Fprintln(os.Stderr, "instantiate:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(strings.Split(*modules, ","), strings.Split(*engineList, ","), *n, *runs, *density, *throughput); err != nil {
		fmt.Fprintln(os.Stderr, "instantiate:", err)
		os.Exit(1)
	}
}

func run(modules, engineNames []string, n, runs, density int, throughput time.Duration) error {
	var engines []engine
	for _, name := range engineNames {
		e, ok := engineNamed(name)
		if !ok {
			return fmt.Errorf("unknown engine %q", name)
		}
		if e.unavailable != nil {
			fmt.Fprintf(os.Stderr, "skipping %s: %v\n", name, e.unavailable)
			continue
		}
		engines = append(engines, e)
	}
	cell := "wall µs / thread CPU µs"
	if showFaults {
		cell += " / minor page faults"
	}
	fmt.Printf("%s/%s, %s, %d CPU; instantiate+close of a pre-linked module, median of %d batches of %d: %s per cycle\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), runs, n, cell)
	header := []string{"module"}
	for _, e := range engines {
		header = append(header, e.name)
	}
	table := [][]string{header}
	for _, mod := range modules {
		wasm, err := readModule(mod)
		if err != nil {
			return err
		}
		row := []string{mod}
		for _, e := range engines {
			row = append(row, measureCell(e, wasm, n, runs))
		}
		table = append(table, row)
	}
	printTable(table)

	if add, err := readModule("add"); err == nil {
		fmt.Printf("\nadd: Go heap allocations per instantiate+call+close; cycles per second with 8 goroutines (%v)\n\n", throughput)
		t := [][]string{{"engine", "allocs/cycle", "cycles/s"}}
		for _, e := range engines {
			t = append(t, []string{e.name, allocsCell(e, add), throughputCell(e, add, throughput)})
		}
		printTable(t)
	}

	if density > 0 {
		fmt.Printf("\ndensity: %d live hello instances (each ran _start) in a fresh process\n\n", density)
		t := [][]string{{"engine", "RSS/instance", "Go heap/instance", "mappings before → after"}}
		for _, e := range engines {
			t = append(t, densityRow(e.name, density))
		}
		printTable(t)
	}
	return nil
}

// showFaults adds minor page faults per cycle to measureCell's cells.
var showFaults bool

// measureCell is the median wall and thread CPU time of one cycle (and,
// with showFaults, its minor page faults).
func measureCell(e engine, wasm []byte, n, runs int) string {
	s, err := e.make(wasm)
	if err != nil {
		return "error: " + short(err)
	}
	defer s.close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var walls, cpus, faults []float64
	for r := range runs + 1 {
		cpu0, flt0 := threadCPU(), threadFaults()
		t0 := time.Now()
		for range n {
			if err := s.cycle(false); err != nil {
				return "error: " + short(err)
			}
		}
		wall, cpu, flt := time.Since(t0), threadCPU()-cpu0, threadFaults()-flt0
		if r == 0 {
			continue // warm-up
		}
		walls = append(walls, float64(wall.Nanoseconds())/float64(n)/1e3)
		cpus = append(cpus, float64(cpu.Nanoseconds())/float64(n)/1e3)
		faults = append(faults, float64(flt)/float64(n))
	}
	if showFaults {
		return fmt.Sprintf("%.2f / %.2f / %.2f", median(walls), median(cpus), median(faults))
	}
	return fmt.Sprintf("%.2f / %.2f", median(walls), median(cpus))
}

// allocsCell counts Go heap allocations per instantiate+call+close.
func allocsCell(e engine, wasm []byte) string {
	s, err := e.make(wasm)
	if err != nil {
		return "error: " + short(err)
	}
	defer s.close()
	const n = 1000
	for range 100 {
		if err := s.cycle(true); err != nil {
			return "error: " + short(err)
		}
	}
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	for range n {
		if err := s.cycle(true); err != nil {
			return "error: " + short(err)
		}
	}
	runtime.ReadMemStats(&b)
	return fmt.Sprintf("%.1f", float64(b.Mallocs-a.Mallocs)/n)
}

// throughputCell runs instantiate+call+close cycles on 8 goroutines.
func throughputCell(e engine, wasm []byte, d time.Duration) string {
	if d == 0 {
		return "-"
	}
	s, err := e.make(wasm)
	if err != nil {
		return "error: " + short(err)
	}
	defer s.close()
	var count atomic.Int64
	var failed atomic.Pointer[error]
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if err := s.cycle(true); err != nil {
					failed.Store(&err)
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return "error: " + short(*err)
	}
	return fmt.Sprintf("%.0f", float64(count.Load())/d.Seconds())
}

func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadFaults is the calling thread's count of minor page faults.
func threadFaults() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return ru.Minflt
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

func short(err error) string {
	s := err.Error()
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// readModule reads add and hello from the repository's testdata/small,
// anything else from $MOAT_BENCH (default ../shared/bench).
func readModule(name string) ([]byte, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if name == "add" || name == "hello" {
		return os.ReadFile(filepath.Join(root, "testdata", "small", name+".wasm"))
	}
	dir := os.Getenv("MOAT_BENCH")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "bench")
	}
	return os.ReadFile(filepath.Join(dir, name, "benchmark.wasm"))
}

// repoRoot finds the moat repository from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "testdata", "small", "add.wasm")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the moat repository (testdata/small not found)")
		}
		dir = parent
	}
}

func printTable(rows [][]string) {
	for i, r := range rows {
		fmt.Println("| " + strings.Join(r, " | ") + " |")
		if i == 0 {
			fmt.Println("|" + strings.Repeat(" --- |", len(r)))
		}
	}
}
