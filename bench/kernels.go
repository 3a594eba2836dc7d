package bench

import (
	"embed"
	"fmt"
)

//go:embed testdata/*.wasm
var kernelFiles embed.FS

// Kernel is one benchmark workload: a module exporting a function that
// takes a size and returns a checksum.
type Kernel struct {
	Name   string // also the export's name and the file's base name
	Size   uint64 // argument chosen so one call takes ~5-50 ms on an interpreter
	Wasm   []byte
	Result string // the result's type, for display
}

// Kernels lists the workloads in a fixed order.
func Kernels() ([]Kernel, error) {
	specs := []struct {
		name   string
		size   uint64
		result string
	}{
		{"fib", 25, "i32"},
		{"sieve", 200000, "i32"},
		{"matmul", 48, "i64"},
		{"memcopy", 6, "i64"},
		{"mandelbrot", 96, "i64"},
	}
	out := make([]Kernel, 0, len(specs))
	for _, s := range specs {
		b, err := kernelFiles.ReadFile("testdata/" + s.name + ".wasm")
		if err != nil {
			return nil, fmt.Errorf("kernel %s: %w", s.name, err)
		}
		out = append(out, Kernel{Name: s.name, Size: s.size, Wasm: b, Result: s.result})
	}
	return out, nil
}

// Runner calls one kernel's export on an instance made once, up front.
type Runner interface {
	// Call runs the kernel on size and returns its checksum as a raw word.
	Call(size uint64) (uint64, error)
	Close() error
}

// Runtime makes runners for one engine.
type Runtime struct {
	Name string
	// New compiles and instantiates wasm and looks up the export named export.
	New func(wasm []byte, export string) (Runner, error)
}

// Runtimes lists the engines compared, moat first.
func Runtimes() []Runtime {
	return []Runtime{
		{Name: "moat", New: newMoatRunner},
		{Name: "wazero", New: newWazeroRunner},
	}
}

// RuntimeNamed finds a runtime of Runtimes by name.
func RuntimeNamed(name string) (Runtime, bool) {
	for _, rt := range Runtimes() {
		if rt.Name == name {
			return rt, true
		}
	}
	return Runtime{}, false
}
