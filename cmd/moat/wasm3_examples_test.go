package main

import (
	"strings"
	"testing"
)

// TestWasm3ExampleThreaded runs the tail-calling C interpreter
// (examples/wasm3/threaded) on both engines: millions of bytecode
// instructions in constant stack. The same source with ordinary calls
// exhausts the call stack.
func TestWasm3ExampleThreaded(t *testing.T) {
	const want = `sum of squares 1..300000: 9000045000050000
collatz steps 1..300: 14167
bytecode instructions: 2844378
`
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			code, out, errOut := runMoatStdin(t, "", "--engine", engine, example("wasm3/threaded/threaded.wasm"), "300000")
			if code != 0 || out != want || errOut != "" {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, out, errOut, want)
			}
			code, out, errOut = runMoatStdin(t, "", "--engine", engine, example("wasm3/threaded/threaded_plain.wasm"), "300000")
			if code == 0 || out != "" || !strings.HasPrefix(errOut, "trap: call stack exhausted") {
				t.Errorf("without tail calls: exit %d, stdout %q, stderr %.200q; want the call stack exhausted", code, out, errOut)
			}
		})
	}
}

// TestWasm3ExampleCalc runs the calculator whose errors are exceptions
// (examples/wasm3/calc) on both engines: errors thrown deep in the parser
// are caught per argument, and "!" ends the program with an uncaught
// exception after its handler rethrew it.
func TestWasm3ExampleCalc(t *testing.T) {
	const want = `1+2*3 = 7
(1+2)*3 = 9
 7 / (3-3): division by zero
2*(3+: syntax error at 5
-(-(-(-(4)))) % 3 = 1
12 x: syntax error at 3
((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))) = 1
`
	args := []string{"1+2*3", "(1+2)*3", " 7 / (3-3)", "2*(3+", "-(-(-(-(4)))) % 3", "12 x",
		strings.Repeat("(", 30) + "1" + strings.Repeat(")", 30)}
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			code, out, errOut := runMoatStdin(t, "", append([]string{"--engine", engine, example("wasm3/calc/calc.wasm")}, args...)...)
			if code != 0 || out != want || errOut != "" {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, out, errOut, want)
			}
			code, out, errOut = runMoatStdin(t, "", "--engine", engine, example("wasm3/calc/calc.wasm"), "6*7", "!", "1")
			if code != 1 || out != "6*7 = 42\n!: fatal, cleaning up\n" || !strings.Contains(errOut, "uncaught WebAssembly exception") {
				t.Errorf("fatal: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}
