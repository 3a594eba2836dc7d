// Package testsuite locates the shared test data that tests read from
// outside the repository, never copied in: the WebAssembly 2.0 spec test
// suite (wast2json output) in ../shared/spectest/v2/json beside the
// repository root, or wherever $MOAT_SPECTEST points; the 3.0 suite's .wast
// scripts in ../shared/spectest/v3/wast, or wherever $MOAT_SPECTEST_V3
// points (SpecV3); and the benchmark programs of ../shared/bench, or
// $MOAT_BENCH (BenchModule).
//
// It is a leaf package importing only the standard library, so any test in
// the module can use it. Tests call Spec, which skips with one clear message
// when the suite is absent; code that wants to carry on without the suite
// calls SpecDir and checks the error. SpecScripts and SpecModules list the
// suite's .json and .wasm files, and StripCustoms helps compare two
// encodings of a module.
package testsuite
