// Package hostlib lets this module's host libraries (package wasi) define
// host functions that need no moat.Caller, as Wasmtime's WASI reaches its
// context through the store's data: a library function is handed, at
// each call, the state the library attached to the store the call runs in
// and the calling instance's memory 0. So a sandbox running only such
// functions has no Caller made for it, and its library state is no store
// value of its own (Store.SetValue), but a field of the store's state.
// A state that is a StoreCloser is told when its store closes, once
// nothing of that store can reach it, so that the library may reuse it.
//
// Package moat sets Define when it is initialised and keeps the StateKey
// value apart; the libraries, which import moat, use both. It stands beside the pipeline, between
// the public API and its libraries, and imports nothing of moat's.
package hostlib
