// Command compare runs each benchmark kernel on moat's interpreter and on
// wazero's interpreter in this one process, a few rounds each, and prints a
// markdown table of the median time per call, the ratio wazero/moat (above 1
// means moat is faster) and its geometric mean.
//
//	cd bench && go run ./cmd/compare -rounds 7
package main
