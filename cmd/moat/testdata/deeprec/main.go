// Command deeprec is a test fixture for the stack limit (moat's
// Config.MaxWasmStack, `moat run -W max-wasm-stack=N`): it recurses to a
// depth given as its argument (default 10000) with large frames, in a fresh
// goroutine, as the deep-nesting tests of Go's standard library do
// (encoding/json's TestUnmarshalMaxDepth), and prints a checksum.
//
// Go's wasm port keeps each goroutine's Go frames in linear memory and
// makes one wasm call per Go call; when the goroutine's stack has to grow
// it unwinds the wasm stack and resumes, so the wasm frames live at once
// are those made since the last growth. With the default limit the run
// completes on both engines; a small limit (64K) traps with
// "call stack exhausted".
//
// Built by `go generate ./cmd/moat` (GOOS=wasip1 GOARCH=wasm) into deeprec.wasm.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	depth := 10000
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "deeprec: bad depth %q\n", os.Args[1])
			os.Exit(2)
		}
		depth = n
	}
	done := make(chan float64)
	go func() { done <- walk(depth, 1, 2, 3, 4) }()
	fmt.Printf("depth %d: %.6f\n", depth, <-done)
}

// walk keeps many values live across its recursive call (wasm locals, and
// spills in compiled code) and a 512-byte array in its Go frame.
//
//go:noinline
func walk(n int, a, b, c, d float64) float64 {
	if n == 0 {
		return a + b + c + d
	}
	var pad [64]float64
	for i := range pad {
		pad[i] = a*float64(i) - b
	}
	e, f, g, h := a*b+c, b*c-d, c*d+a, d*a-b
	i, j, k, l := e+f*g, f-g*h, g+h*e, h-e*f
	r := walk(n-1, i/1e3, j/1e3, k/1e3, l/1e3)
	return r + e - f + g - h + i - j + k - l + pad[n%64]/1e6
}
