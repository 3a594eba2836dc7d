// Package vm holds the runtime state that every engine shares: stores,
// instances, functions, linear memories, tables and globals, plus traps.
// The interpreter executes against these structures today; the native code
// engine will run against the same ones (and add code memory, stacks and the
// entry/exit trampolines here), so instances of either engine link together.
//
// Reference values are 64-bit words. A funcref is 0 for null or 1 + the
// function's index in its Store's function list, so references can be held in
// plain uint64 slots without hiding Go pointers from the garbage collector,
// and a reference made up by a host is checked against the store, never
// dereferenced. An externref is an opaque host word, 0 for null.
package vm
