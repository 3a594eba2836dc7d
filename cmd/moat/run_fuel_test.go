package main

import (
	"strings"
	"testing"
)

// TestRunFuel: -W fuel=N meters the run on either engine; a run that
// needs more traps with "out of fuel" and exits like any other trap.
func TestRunFuel(t *testing.T) {
	for _, engine := range []string{"interp", "auto"} {
		// fib_iter(40) makes one call and 40-odd loop iterations.
		code, out, errOut := runMoat(t, "run", "--engine", engine, "-W", "fuel=1000", "--invoke", "fib_iter", example("fib.wasm"), "40")
		if code != 0 || out != "102334155\n" {
			t.Errorf("%s: fib_iter(40) on 1000 fuel: code %d, stdout %q, stderr %q", engine, code, out, errOut)
		}
		// fib(20) makes over 20,000 calls.
		code, out, errOut = runMoat(t, "run", "--engine", engine, "-W", "fuel=1000", "--invoke", "fib", example("fib.wasm"), "20")
		if code != exitFailure || out != "" || !strings.HasPrefix(errOut, "trap: out of fuel\n") {
			t.Errorf("%s: fib(20) on 1000 fuel: code %d, stdout %q, stderr %q; want an out-of-fuel trap", engine, code, out, errOut)
		}
		// A WASI command that runs out exits as a trapped command does.
		code, _, errOut = runMoatStdin(t, "", "--engine", engine, "-W", "fuel=100", example("wasi/tourc/tour_c.wasm"))
		if code != exitTrapped || !strings.Contains(errOut, "out of fuel") {
			t.Errorf("%s: WASI command on 100 fuel: code %d, stderr %q; want %d and an out-of-fuel trap", engine, code, errOut, exitTrapped)
		}
	}
}
