// Command hostgen generates hostfunc_gen.go of package moat: the shapes of
// typed host functions that Linker.DefineFunc calls without reflection, and
// the table of those shapes its tests check (hostfunc_gen_test.go). It runs
// through `go generate` in the repository root; its test fails when either
// file is stale.
//
// The shapes: parameters all of one type T — up to four of int32 or
// uint32, up to two of int64, uint64, float32 or float64 —; no result, a T
// result, or, when T is int32 or uint32, a result of the other 32-bit
// integer type; and no parameters with no result or any one result. Each
// comes with or without a leading context.Context, with or without a
// *Caller after it, and with or without a trailing error: 376 function
// types in all. The set is a trade: each type adds about a kilobyte of code
// and metadata to every program that calls DefineFunc, so it covers what
// host functions of a wasm32 guest mostly look like (pointers, lengths,
// handles and status codes, a few numeric helpers) rather than every mix of
// types; the others keep working through reflection.
package main
