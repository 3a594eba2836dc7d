package moat_test

import (
	"flag"
	"testing"
)

// fuzzMinimizeExecutions is how many executions go test may spend
// minimising each input that found new coverage, when the command line does
// not say (-fuzzminimizetime).
//
// go test's default is 60 seconds per input, and that is worse than slow
// for a target whose executions take milliseconds: minimising an input of
// n bytes tries on the order of n² candidates, so for the inputs of a few
// hundred bytes that FuzzDifferential's corpus holds it is never done in
// time. Then the coordinator's deadline for the call passes before the
// worker's (the worker only looks between executions), and the coordinator
// kills the worker: the minimisation is thrown away, the executions it made
// are not counted (the progress lines stand still for the whole minute), and
// a new worker process starts. A count has no deadline: the worker stops
// after that many executions and answers as usual. A duration of any length
// has the same race.
const fuzzMinimizeExecutions = "100x"

// boundFuzzMinimize sets the flag test.fuzzminimizetime of fs to count unless
// the command line set it, and reports whether it did. It is a no-op where
// the flag does not exist.
func boundFuzzMinimize(fs *flag.FlagSet, count string) bool {
	const name = "test.fuzzminimizetime"
	if fs.Lookup(name) == nil {
		return false
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	if given {
		return false
	}
	return fs.Set(name, count) == nil
}

func TestBoundFuzzMinimize(t *testing.T) {
	newFlags := func() *flag.FlagSet {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.String("test.fuzzminimizetime", "1m0s", "")
		return fs
	}
	value := func(fs *flag.FlagSet) string { return fs.Lookup("test.fuzzminimizetime").Value.String() }

	fs := newFlags()
	if !boundFuzzMinimize(fs, "100x") || value(fs) != "100x" {
		t.Errorf("flag not given: set %q, want 100x", value(fs))
	}
	for _, given := range []string{"5s", "1m0s", "7x"} {
		fs := newFlags()
		if err := fs.Parse([]string{"-test.fuzzminimizetime=" + given}); err != nil {
			t.Fatal(err)
		}
		if boundFuzzMinimize(fs, "100x") || value(fs) != given {
			t.Errorf("flag given as %s: now %q, want it kept", given, value(fs))
		}
	}
	if boundFuzzMinimize(flag.NewFlagSet("other", flag.ContinueOnError), "100x") {
		t.Error("set a flag the flag set does not have")
	}

	// The bound only works while go test's flag has this name and takes a
	// count.
	goFlag := flag.Lookup("test.fuzzminimizetime")
	if goFlag == nil {
		t.Fatal("go test has no flag test.fuzzminimizetime: FuzzDifferential's minimisation is unbounded again")
	}
	old := goFlag.Value.String()
	if err := goFlag.Value.Set(fuzzMinimizeExecutions); err != nil {
		t.Fatalf("test.fuzzminimizetime does not take %q: %v", fuzzMinimizeExecutions, err)
	}
	if err := goFlag.Value.Set(old); err != nil {
		t.Fatal(err)
	}
}
