package vm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"weak"
)

// A shared function is a host function bound once for every store
// (Wasmtime's host functions of a Linker): it belongs to no store, its
// funcref word is the same in all of them, and it learns the store it
// runs in from HostFunc's store parameter, never from itself. So one
// Function serves every sandbox that imports it without holding any
// sandbox's state, and a store binds nothing per host function.
//
// A word handed in (Store.Func) resolves to a shared function through
// sharedFuncs, weakly: a shared function lives as long as its definition
// or an instance importing it does, and its word resolves to nothing
// afterwards, even if another shared function takes the same word later.

// sharedFuncs maps the word of each live shared function to it.
var sharedFuncs sync.Map // uint64 -> sharedEntry

// sharedEntry is a shared function and the engine whose stores may use
// its word: a compiler's descriptor means nothing to another engine's
// code (its type ids and call stubs are that engine's), and an index word
// nothing to a compiler's.
type sharedEntry struct {
	fn     weak.Pointer[Function]
	domain any
}

// sharedWordBase is where the words NextSharedWord numbers start: above
// any index of a store's function list, below the 48 bits a funcref word
// may use (the public layer keeps a store's generation above them).
const sharedWordBase = 1 << 47

// sharedWords counts the words NextSharedWord gave.
var sharedWords atomic.Uint64

// NextSharedWord is a new word for a shared function of an engine whose
// stores have no codec (their words are indices into the store's list).
func NextSharedWord() uint64 { return sharedWordBase + sharedWords.Add(1) }

// Share makes f, a host function registered in no store, a shared
// function with word as its funcref in every store of domain: the
// address of a descriptor the engine domain made for it, or, for the
// stores without a codec (domain nil), NextSharedWord. f must be the
// start of its allocation (the weak reference's object).
func Share(f *Function, word uint64, domain any) {
	f.shared, f.ref = true, word
	e := sharedEntry{fn: weak.Make(f), domain: domain}
	sharedFuncs.Store(word, e)
	// The entry goes with f. A later function given the same word (a
	// descriptor at the same address once f's memory was reused) has
	// replaced it by then, which CompareAndDelete leaves in place.
	runtime.AddCleanup(f, func(w uint64) { sharedFuncs.CompareAndDelete(w, e) }, word)
}

// SharedFunc is the live shared function whose word is word in the
// stores of domain (a codec's engine, or nil for stores without one), or
// nil: a word of another engine's shared function is not one of these
// stores' words.
func SharedFunc(word uint64, domain any) *Function {
	v, ok := sharedFuncs.Load(word)
	if !ok {
		return nil
	}
	e := v.(sharedEntry)
	if e.domain != domain {
		return nil
	}
	return e.fn.Value()
}

// Shared reports whether f is a shared function (Share).
func (f *Function) Shared() bool { return f.shared }

// Word is f's funcref word in store s when f is registered there or
// shared, else 0 (f is not a function of s yet).
func (f *Function) Word(s *Store) uint64 {
	if f.shared || f.store == s {
		return f.ref
	}
	return 0
}
