// Command peers runs every benchmark program in ../shared/bench on moat's
// compiler, wazero's optimizing compiler and Wasmtime, one after the other
// in one process, checks each program's output, and prints a markdown
// table of compile and run times with moat/peer ratios and their geometric
// means.
//
//	go run ./cmd/peers -runs 3
//	go run ./cmd/peers -filter 'shootout-(sieve|fib2)' -engines moat,wazero
//
// Every run is fresh (compile, instantiate, _start); each cell is the
// median of -runs runs. Progress goes to stderr, the table to stdout. The
// exit status is 1 when any run failed (an error, a trap or wrong output).
package main
