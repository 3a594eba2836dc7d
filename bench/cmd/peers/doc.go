// Command peers runs every benchmark program in ../shared/bench on moat's
// compiler, wazero's optimizing compiler and Wasmtime, one after the other
// in one process, checks each program's output, and prints a markdown
// table of compile and run times with moat/peer ratios and their geometric
// means.
//
//	go run ./cmd/peers -clock thread
//	go run ./cmd/peers -filter 'shootout-(sieve|fib2)' -engines moat,wazero
//
// Each program runs once on every engine unmeasured (a warm-up), then in
// -runs measured cells per engine, the engines alternated. A cell is a
// fresh engine and compilation, then the program run in fresh instances
// (instantiate, _start) as many times as its region needs to hold
// -min-cell on its fastest engine (at most -max-reps); its run time is the
// mean per repetition. Figures are the cells' medians, with their spread.
// Progress goes to stderr, the table to stdout. The exit status is 1 when
// any run failed (an error, a trap or wrong output).
package main
