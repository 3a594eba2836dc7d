package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// ledgerBinaries are the ledger's two builds: clang 14's legacy exception
// instructions translated by binaryen 132, and clang 22's own try_table
// and exnref.
var ledgerBinaries = []string{"ledger", "ledger_clang22"}

// ledgerConfigs are the ways the ledger test runs the C++ example: the
// interpreter, and the compiler in both bounds-check modes (guard pages
// with moat's signal handler, explicit checks) where it is available.
func ledgerConfigs(t *testing.T) map[string][]string {
	configs := map[string][]string{}
	for _, engine := range engines(t) {
		if engine != "compiler" {
			configs[engine] = []string{"--engine", engine}
			continue
		}
		configs["compiler-guard"] = []string{"--engine", engine, "-O", "signals-based-traps=y"}
		configs["compiler-explicit"] = []string{"--engine", engine, "-O", "signals-based-traps=n"}
	}
	return configs
}

const ledgerWant = `> open alice 100
> open bob 50
> open alice 5
  ledger error: account alice exists
> transfer alice bob 30
> transfer alice carol 10
  rollback: 1 change(s) undone
  ledger error: no account carol
> withdraw bob 500
  declined: deposit 420 into bob: bob has 80, needs 500
> withdraw bob 20000
  over the limit of 10000 per change
> deposit bob 1x
  parse error: bad amount '1x'
> rate EUR
  EUR: 108
> rate XYZ
  error: map::at:  key not found
> batch deposit alice 5; transfer alice bob 70; transfer bob alice 1000
  batch: step 3 of 3 failed, undoing the batch
  rollback: 3 change(s) undone
  declined: deposit 850 into bob: bob has 150, needs 1000
> batch open dave 0; transfer bob dave 40; withdraw dave 50
  batch: step 3 of 3 failed, undoing the batch
  rollback: 3 change(s) undone
  declined: deposit 10 into dave: dave has 40, needs 50
> batch open carol 0; transfer bob carol 40
  batch: 2 steps committed
> relay 1000 5
  relay: 1000 hops unwound, 0 holds left
  ledger error: relay: no route after 1000 hops
> quota
  refused: daily quota reached
> panic
  unknown failure
> freeze carol
> transfer bob carol 5
  rollback: 1 change(s) undone
  status: account frozen
> audit
  alice 70
  bob 40
  carol 40
19 commands, 12 failed; errors alive 0, holds 0
`

// TestWasm3ExampleLedger runs the C++ program that throws and catches
// exceptions (examples/wasm3/ledger, both builds: clang 14's translated by
// binaryen, clang 22's own try_table and exnref) through `moat run` on
// every engine and bounds mode: typed errors caught by base class (a
// virtual one too), by value, by pointer to a base and by catch (...),
// rethrown from handlers and nested batches, destructors undoing
// transactions during unwinding, an exception crossing 1,000 frames, and
// every exception object destroyed once its handler ends. "fatal" ends the
// program with an exception its handler rethrew and nothing catches;
// "close" with std::terminate, when an exception leaves a noexcept
// function.
func TestWasm3ExampleLedger(t *testing.T) {
	configs := ledgerConfigs(t)
	for _, binary := range ledgerBinaries {
		ledger := example("wasm3/ledger/" + binary + ".wasm")
		for name, config := range configs {
			t.Run(binary+"/"+name, func(t *testing.T) { checkLedger(t, config, ledger) })
		}
	}
}

// checkLedger runs one build of the ledger under one configuration.
func checkLedger(t *testing.T, config []string, ledger string) {
	code, out, errOut := runMoatStdin(t, "", append(config, ledger)...)
	if code != 0 || out != ledgerWant || errOut != "" {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, out, errOut, ledgerWant)
	}

	const nestedWant = `> open b 1
> batch deposit b 1; batch deposit c 2; batch withdraw b 5
  batch: step 1 of 1 failed, undoing the batch
  batch: step 2 of 3 failed, undoing the batch
  rollback: 1 change(s) undone
  ledger error: no account c
> batch open c 0; batch deposit c 2; batch withdraw b 5
  batch: 1 steps committed
  batch: step 1 of 1 failed, undoing the batch
  batch: step 3 of 3 failed, undoing the batch
  rollback: 2 change(s) undone
  declined: deposit 4 into b: b has 1, needs 5
> audit
  b 1
4 commands, 2 failed; errors alive 0, holds 0
`
	code, out, errOut = runMoatStdin(t, "", append(config, ledger, "open b 1",
		"batch deposit b 1; batch deposit c 2; batch withdraw b 5",
		"batch open c 0; batch deposit c 2; batch withdraw b 5", "audit")...)
	if code != 0 || out != nestedWant || errOut != "" {
		t.Errorf("nested batches: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, out, errOut, nestedWant)
	}

	const fatalWant = `> open a 1
> withdraw a 2
  declined: deposit 1 into a: a has 1, needs 2
> fatal
  fatal: operator asked to stop; closing the ledger
`
	code, out, errOut = runMoatStdin(t, "", append(config, ledger, "open a 1", "withdraw a 2", "fatal", "audit")...)
	if code != 1 || out != fatalWant || !strings.Contains(errOut, "uncaught WebAssembly exception") {
		t.Errorf("fatal: exit %d, stdout %q, stderr %q; want exit 1, stdout %q and an uncaught exception", code, out, errOut, fatalWant)
	}

	// An exception escaping a noexcept function calls std::terminate,
	// which aborts: the guest traps.
	const closeWant = "> open a 1\n> close\n  closing the books\n"
	code, out, errOut = runMoatStdin(t, "", append(config, ledger, "open a 1", "close", "audit")...)
	if code == 0 || out != closeWant || !strings.HasPrefix(errOut, "trap: unreachable") || !strings.Contains(errOut, "std::terminate()") {
		t.Errorf("close: exit %d, stdout %q, stderr %q; want stdout %q and a trap in std::terminate", code, out, errOut, closeWant)
	}
}

// ehCheckWant is what eh_check prints: every check passes.
const ehCheckWant = `int caught as int                                  ok
int not caught as long                             ok
base at an offset: adjusted                        ok
virtual base: adjusted through the vtable          ok
virtual base seen once: D1 catches Diamond         ok
ambiguous base does not catch                      ok
ambiguous base: the unique one does                ok
private base does not catch                        ok
C* caught as B*: adjusted                          ok
C* caught as void*                                 ok
const C* not caught as B*                          ok
const C* caught as const B*                        ok
C* caught as const volatile A*                     ok
null C* caught as B*: still null                   ok
int* not caught as long*                           ok
catch by value copies once                         ok
caught by value: no object left                    ok
rethrow keeps the same object                      ok
nested exception inside a handler                  ok
outer exception still current                      ok
outer rethrown after the nested one                ok
nested: no object left                             ok
throw and catch in a destructor during unwinding   ok
destructor's exception: no object left             ok
over-aligned exception object                      ok
through an indirect and a virtual call             ok
no throw: the call returns                         ok
1,000 frames each catching and rethrowing          ok
every counted object destroyed                     ok
0 failed
`

// TestWasm3ExampleEHCheck runs the C++ exception checks
// (examples/wasm3/ledger/eh_check.cpp, built by clang 22) on every engine
// and bounds mode: catch clauses against bases at an offset, virtual,
// ambiguous and private bases, pointers with their qualifiers, null and
// void*; copies, rethrow, nested exceptions, a throw caught inside a
// destructor during unwinding, an over-aligned exception object; through
// indirect and virtual calls and 1,000 frames that each catch and rethrow.
func TestWasm3ExampleEHCheck(t *testing.T) {
	for name, config := range ledgerConfigs(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runMoatStdin(t, "", append(config, example("wasm3/ledger/eh_check.wasm"))...)
			if code != 0 || out != ehCheckWant || errOut != "" {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, out, errOut, ehCheckWant)
			}
		})
	}
}

// ledgerVerbs and their arguments are what TestWasm3LedgerDifferential
// makes commands of.
var (
	ledgerVerbs   = []string{"open", "deposit", "withdraw", "transfer", "transfer", "rate", "audit", "batch", "relay", "quota", "panic", "freeze", "bogus"}
	ledgerNames   = []string{"alice", "bob", "carol"}
	ledgerAmounts = []string{"0", "7", "80", "450", "9999", "10001", "x1"}
)

// ledgerCommand makes one command; a batch holds up to three, and batches
// nest two deep. One command in ten has an argument too many.
func ledgerCommand(rng *rand.Rand, depth int) string {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	verb := pick(ledgerVerbs)
	words := []string{verb}
	switch verb {
	case "batch":
		if depth > 1 {
			return "audit"
		}
		var steps []string
		for range 1 + rng.IntN(3) {
			steps = append(steps, ledgerCommand(rng, depth+1))
		}
		return "batch " + strings.Join(steps, "; ")
	case "open", "deposit", "withdraw":
		words = append(words, pick(ledgerNames), pick(ledgerAmounts))
	case "transfer":
		words = append(words, pick(ledgerNames), pick(ledgerNames), pick(ledgerAmounts))
	case "freeze":
		words = append(words, pick(ledgerNames))
	case "rate":
		words = append(words, pick([]string{"EUR", "CHF", "XYZ"}))
	case "relay":
		words = append(words, fmt.Sprint(rng.IntN(300)), "1")
	}
	if rng.IntN(10) == 0 {
		words = append(words, "7")
	}
	return strings.Join(words, " ")
}

// TestWasm3LedgerDifferential runs the C++ example on seeded random
// command lists and requires every compiler configuration to print and
// exit exactly as the interpreter does.
func TestWasm3LedgerDifferential(t *testing.T) {
	configs := ledgerConfigs(t)
	if len(configs) < 2 {
		t.Skip("the compiler engine is not available on this platform")
	}
	outputs := map[string]string{}
	for _, binary := range ledgerBinaries {
		t.Run(binary, func(t *testing.T) {
			outputs[binary] = ledgerDifferential(t, configs, example("wasm3/ledger/"+binary+".wasm"))
		})
	}
	// Both builds are the same program.
	if a, b := outputs[ledgerBinaries[0]], outputs[ledgerBinaries[1]]; a != b {
		t.Errorf("the builds print differently on the same commands:\n%s:\n%s\n%s:\n%s", ledgerBinaries[0], a, ledgerBinaries[1], b)
	}
}

// ledgerDifferential runs one build of the ledger on seeded random
// command lists under every configuration, and returns what the
// interpreter printed.
func ledgerDifferential(t *testing.T, configs map[string][]string, ledger string) string {
	rng := rand.New(rand.NewPCG(2026, 12))
	var all strings.Builder
	for run := range 20 {
		commands := []string{"open alice 500", "open bob 100"}
		for range 4 + rng.IntN(12) {
			commands = append(commands, ledgerCommand(rng, 0))
		}
		wantCode, wantOut, wantErr := runMoatStdin(t, "", append(append(configs["interp"], ledger), commands...)...)
		if wantCode != 0 || wantErr != "" {
			t.Errorf("run %d on the interpreter: exit %d, stderr %q", run, wantCode, wantErr)
		}
		all.WriteString(wantOut)
		for name, config := range configs {
			if name == "interp" {
				continue
			}
			code, out, errOut := runMoatStdin(t, "", append(append(config, ledger), commands...)...)
			if code != wantCode || out != wantOut || errOut != wantErr {
				t.Errorf("run %d, %s differs from the interpreter on %q:\nexit %d, stdout:\n%s\nstderr:\n%s\ninterpreter: exit %d, stdout:\n%s\nstderr:\n%s",
					run, name, commands, code, out, errOut, wantCode, wantOut, wantErr)
			}
		}
	}
	t.Logf("%d command lines, %d bytes of output compared per configuration", strings.Count("\n"+all.String(), "\n> "), all.Len())
	// The seeded lists reach every kind of handler.
	for _, seen := range []string{"declined:", "ledger error:", "parse error:", "error: map::at", "over the limit",
		"refused:", "status:", "unknown failure", "rollback:", "relay:", "steps committed"} {
		if !strings.Contains(all.String(), seen) {
			t.Errorf("no run printed %q", seen)
		}
	}
	return all.String()
}

// TestWasm3ExampleLedgerArtifact compiles the C++ programs ahead of time
// (`moat compile`) and runs the artifacts (`moat run --allow-precompiled`):
// their exception landing tables come from the file, and the programs
// print what they print when compiled in-process.
func TestWasm3ExampleLedgerArtifact(t *testing.T) {
	if _, ok := ledgerConfigs(t)["compiler-guard"]; !ok {
		t.Skip("the compiler engine is not available on this platform")
	}
	for _, c := range []struct{ binary, want string }{
		{"ledger", ledgerWant},
		{"ledger_clang22", ledgerWant},
		{"eh_check", ehCheckWant},
	} {
		t.Run(c.binary, func(t *testing.T) {
			artifact := filepath.Join(t.TempDir(), c.binary+".cwasm")
			if code, _, errOut := runMoat(t, "compile", "-o", artifact, example("wasm3/ledger/"+c.binary+".wasm")); code != 0 {
				t.Fatalf("compile: exit %d: %s", code, errOut)
			}
			code, out, errOut := runMoatStdin(t, "", "--allow-precompiled", artifact)
			if code != 0 || out != c.want || errOut != "" {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s", code, out, errOut, c.want)
			}
		})
	}
}
