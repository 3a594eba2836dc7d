package peers

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Program is one benchmark module: a WASI command with bench.start and
// bench.end imports, run with its folder preopened as "/".
type Program struct {
	Name   string // "bz2", "shootout-sieve", ...
	Dir    string // the folder preopened as the guest's "/"
	Module string // file name of the .wasm inside Dir
	// Expected output; nil when there is no .expected file to check.
	Stdout, Stderr []byte
}

// Programs lists root's benchmarks in a fixed order: DIR/benchmark.wasm for
// every folder that has one, and every NAME.wasm of a folder that has none
// (the shootout folder), with NAME.stdout.expected and NAME.stderr.expected.
func Programs(root string) ([]Program, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []Program
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "benchmark.wasm")); err == nil {
			p, err := newProgram(e.Name(), dir, "benchmark")
			if err != nil {
				return nil, err
			}
			out = append(out, p)
			continue
		}
		mods, err := filepath.Glob(filepath.Join(dir, "*.wasm"))
		if err != nil {
			return nil, err
		}
		slices.Sort(mods)
		for _, m := range mods {
			base := strings.TrimSuffix(filepath.Base(m), ".wasm")
			p, err := newProgram(base, dir, base)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no benchmark modules under %s", root)
	}
	return out, nil
}

func newProgram(name, dir, base string) (Program, error) {
	p := Program{Name: name, Dir: dir, Module: base + ".wasm"}
	var err error
	if p.Stdout, err = readOptional(filepath.Join(dir, base+".stdout.expected")); err != nil {
		return p, err
	}
	if p.Stderr, err = readOptional(filepath.Join(dir, base+".stderr.expected")); err != nil {
		return p, err
	}
	return p, nil
}

// readOptional reads a file, giving nil and no error when it is absent.
func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if b == nil && err == nil {
		b = []byte{} // present but empty: the output must be empty
	}
	return b, err
}

// Filter keeps the programs whose name match keep.
func Filter(progs []Program, keep func(name string) bool) []Program {
	var out []Program
	for _, p := range progs {
		if keep(p.Name) {
			out = append(out, p)
		}
	}
	return out
}

// checkOutput compares what a run printed with the program's expectations.
func (p Program) checkOutput(stdout, stderr []byte) error {
	if p.Stdout != nil && string(stdout) != string(p.Stdout) {
		return fmt.Errorf("stdout differs from %s (%d bytes, want %d): %s",
			p.expectedName("stdout"), len(stdout), len(p.Stdout), excerpt(stdout))
	}
	if p.Stderr != nil && string(stderr) != string(p.Stderr) {
		return fmt.Errorf("stderr differs from %s (%d bytes, want %d): %s",
			p.expectedName("stderr"), len(stderr), len(p.Stderr), excerpt(stderr))
	}
	return nil
}

func (p Program) expectedName(stream string) string {
	return strings.TrimSuffix(p.Module, ".wasm") + "." + stream + ".expected"
}

// excerpt quotes the start of b for an error message.
func excerpt(b []byte) string {
	const limit = 200
	if len(b) > limit {
		return fmt.Sprintf("%q...", b[:limit])
	}
	return fmt.Sprintf("%q", b)
}
