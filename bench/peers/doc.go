// Package peers runs the sightglass benchmark programs in ../shared/bench
// (WASI preview1 command modules that call bench.start and bench.end around
// their measured region) on moat's compiler and on its peers, wazero's
// optimizing compiler and Wasmtime (Cranelift, through wasmtime-go and cgo),
// one after the other in one process.
//
// Each measured cell compiles the program on a fresh engine, then runs it
// in fresh instances (instantiate, call _start), repeated within the cell
// when its region is short, the engines taking turns run by run. It records
// the compile time and the time between bench.start and bench.end, and
// checks the program's stdout and stderr against its .expected files after
// every run, so a wrong answer is a failed run rather than a fast one. Rows
// are the medians of the cells; WriteTable prints them as markdown with
// moat/peer ratios (the median of the cells' ratios) and their geometric
// means.
//
// Wasmtime needs cgo: without it (CGO_ENABLED=0, or no C toolchain) the
// wasmtime engine reports itself unavailable and the others still run.
// Every program, the SIMD ones included, runs on moat's compiler; a row
// whose run used another tier would carry a Note, and the table marks it
// and leaves it out of the means.
package peers
