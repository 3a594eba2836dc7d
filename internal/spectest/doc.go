// Package spectest runs the WebAssembly spec test suite against the public
// moat API: the original .wast scripts (parsed with internal/text) and
// their JSON conversions by wabt's wast2json. It stands at the very end of
// the pipeline: it sees only what an embedder sees (Engine, Store, Linker,
// Instance, Func, *CompileError, *LinkError, *Trap), plus the text parser
// and binary encoder that turn a script's modules into bytes.
//
// Both script forms become the same list of commands, run by one executor,
// so every assertion means the same in both. It is written so that it
// cannot pass a broken engine: every assertion is checked in full (result
// count, every value bit for bit with the suite's NaN rules per lane, the
// error's kind, and a trap's code against the expected message), every
// module, register and action command that fails counts as a failure, a
// file that does not parse fails, and a file that runs longer than its
// timeout is reported as such instead of hanging.
//
// The scripts of the 3.0 suite run with the engine's default features; the
// 2.0 suite expects 2.0's decoding and validation, so it runs with every
// post-2.0 feature off (moat.Config.DisabledFeatures = moat.AllFeatures).
// An assertion whose module the engine refuses because it needs GC (a
// *CompileError of Kind Unsupported naming gc), or that uses such a module
// or a GC value, counts as "need GC" (FileResult.NeedGC), neither passed
// nor failed.
//
// In a .wast script, assert_malformed and assert_invalid of text modules
// are run: a quoted module must fail to parse (or its quoted binary to
// decode), an invalid one must parse and then fail validation. In a JSON
// script the text modules of assert_malformed (.wat files) are counted as
// skipped, as wast2json's output is judged on the binary format alone.
package spectest
