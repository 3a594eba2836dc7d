// Package spectest runs the WebAssembly spec test suite, as converted to JSON
// by wabt's wast2json, against the public moat API. It stands at the very end
// of the pipeline: it sees only what an embedder sees (Engine, Store, Linker,
// Instance, Func, *CompileError, *LinkError, *Trap).
//
// It is written so that it cannot pass a broken engine: every assertion is
// checked in full (result count, every value bit for bit with the suite's
// NaN rules per lane, the error's kind, and a trap's code against the
// expected message), every module, register and action command that fails
// counts as a failure, a file that does not parse fails, and a file that
// runs longer than its timeout is reported as such instead of hanging.
// Only text-format assert_malformed commands (a binary-only runtime cannot
// parse .wat) are counted as skipped.
package spectest
