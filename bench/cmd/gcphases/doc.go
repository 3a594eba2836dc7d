// Command gcphases splits every runtime.GC() call of a runtime/trace into
// the collection's phases and reports them per benchmark, to find where a
// collection waits while guests spin. It reads a trace of package moat's
// BenchmarkGCSpinning, which runs each runtime.GC() as a region
// "runtime.GC" inside a task named after the benchmark:
//
//	go test -run '^$' -bench 'GCSpinning/(idle|compiler/loop)' -benchtime 20x -trace /tmp/gc.trace .
//	cd bench && go run ./cmd/gcphases /tmp/gc.trace
//
// Each call is split at the runtime's stop-the-world ranges:
//
//   - start: from the call to the stop-the-world of sweep termination
//     (finishing the previous cycle's sweep);
//   - stw1: sweep termination's stop-the-world, from the request until the
//     world runs again (every running goroutine must stop first);
//   - mark: from then until mark termination's stop-the-world; wait1 is how
//     long until a mark worker first ran, work the workers' running time,
//     guests the guests' (all of them together);
//   - stw2: mark termination's stop-the-world;
//   - sweep: from then until the call returns (runtime.GC sweeps the heap
//     before it returns); turns is how many times the caller ran in it,
//     queued how long it waited runnable.
//
// slice is the median time a guest goroutine ran between two stops during
// the calls, parked the guests' time blocked in package vm's parkForGC
// during a call (all guests' together), reach how long after a
// stop-the-world began the last guest that ran then stopped (the longer of
// the call's two). Figures are medians (and means)
// over each benchmark's calls. With -slow n, the n slowest calls of each
// benchmark follow (which of its calls each is), phase by phase, with the
// guests' and mark workers' runs and the guests' parks in them, in µs
// from the call's start.
package main
