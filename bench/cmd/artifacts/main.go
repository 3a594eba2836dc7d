package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/moat-run/moat/bench/peers"
)

func main() {
	runs := flag.Int("runs", 5, "compiles and loads per engine and module; cells are medians")
	benchDir := flag.String("dir", "", "the benchmark folder (default: $MOAT_BENCH, else ../shared/bench beside the repository)")
	gowasm := flag.String("gowasm", "", "a Go wasip1 binary (default: build `go test -c regexp` for GOOS=wasip1)")
	flag.Parse()
	if err := run(*runs, *benchDir, *gowasm); err != nil {
		fmt.Fprintln(os.Stderr, "artifacts:", err)
		os.Exit(1)
	}
}

func run(runs int, benchDir, gowasm string) error {
	if benchDir == "" {
		benchDir = os.Getenv("MOAT_BENCH")
	}
	if benchDir == "" {
		benchDir = filepath.Join("..", "..", "shared", "bench")
	}
	tmp, err := os.MkdirTemp("", "artifacts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if gowasm == "" {
		gowasm = filepath.Join(tmp, "regexp.test.wasm")
		fmt.Fprintln(os.Stderr, "building a Go wasip1 test binary (go test -c regexp)")
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "test", "-c", "-o", gowasm, "regexp")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building the Go test binary: %v\n%s", err, out)
		}
	}
	modules := []struct{ name, path string }{
		{"regex (Rust)", filepath.Join(benchDir, "regex", "benchmark.wasm")},
		{"Go regexp test binary", gowasm},
	}
	fmt.Printf("%s/%s, %s, %d CPU; median of %d compiles (fresh engine) and %d loads of the file\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), runs, runs)
	fmt.Println("| module | wasm | engine | compile | artifact | load | of which digest | compile / load |")
	fmt.Println("|---|---:|---|---:|---:|---:|---:|---:|")
	for _, m := range modules {
		wasm, err := os.ReadFile(m.path)
		if err != nil {
			return err
		}
		row := func(engine string, lt peers.LoadTimes) {
			digest := "—"
			if lt.Digest > 0 {
				digest = ms(lt.Digest)
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %.0f× |\n", m.name, mb(len(wasm)), engine,
				ms(lt.Compile), mb(lt.ArtifactSize), ms(lt.Load), digest, float64(lt.Compile)/float64(lt.Load))
		}
		fmt.Fprintf(os.Stderr, "%s: moat\n", m.name)
		lt, err := peers.MoatLoadTimes(wasm, runs, tmp)
		if err != nil {
			return fmt.Errorf("%s on moat: %w", m.name, err)
		}
		row("moat", lt)
		if !peers.WasmtimeAvailable {
			fmt.Fprintln(os.Stderr, "skipping Wasmtime: wasmtime-go needs cgo")
			continue
		}
		fmt.Fprintf(os.Stderr, "%s: wasmtime\n", m.name)
		lt, err = peers.WasmtimeLoadTimes(wasm, runs, tmp)
		if err != nil {
			return fmt.Errorf("%s on wasmtime: %w", m.name, err)
		}
		row("Wasmtime", lt)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mb(n int) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }
