// Package gcheap is the garbage-collected heap of one store: the structs
// and arrays of WebAssembly GC, the store's table of host values that
// externrefs name, and the collector that reclaims both. Both engines
// share it: the interpreter calls it, and compiled code is meant to
// allocate inline from the same bump pointer (docs/gc.md).
//
// It stands beside internal/vm, which owns one Heap per store and feeds it
// the store's roots; the engines read and write objects through it.
//
// # References
//
// A reference of the any and extern hierarchies is one 64-bit word:
//
//	0                         null
//	.... .... .... ...1       i31: bits 1-31 hold the value (value<<1 | 1)
//	.... .... iiii ii10       a host value: entry i of the store's extern table
//	.... .... oooo o000       an object at byte offset o of the heap (o > 0)
//
// any.convert_extern and extern.convert_any change nothing: a host value
// converted to anyref and back is the same word, and so is an object or
// an i31 converted to externref and back. Offsets are relative to the
// heap, never addresses, so a word is meaningless outside its store, the
// Go collector sees no pointer in one, and the heap may grow by moving.
//
// # Objects
//
// Objects live outside the Go heap (an mmap'd reservation on Linux), are
// 8-byte aligned, and begin with a header word:
//
//	struct:  [ type id:32 | 0:32 ] [ field 0 ] [ field 1 ] ...   (fields at their Layout offsets)
//	array:   [ type id:32 | len:32 ] [ elem 0 ] [ elem 1 ] ...   (elements from offset 8)
//
// The type id indexes the heap's type registry (types.go), where struct
// and array types of every module instantiated in the store are entered by
// canonical key, with their supertype chain (casts are one compare) and
// their layout (fields at natural alignment, packed i8/i16 in 1 and 2
// bytes, references and i64/f64 in 8, v128 in 16). Reference fields hold
// the words above; funcref and exnref fields hold the store's words for
// those, which the collector does not follow (functions and caught
// exceptions live as long as their store).
//
// # Allocation and collection
//
// The heap is a sequence of 32 KiB blocks of 128-byte lines (Immix's
// geometry). Small objects are bump-allocated in holes, runs of lines that
// held no live object at the last collection; an object larger than a
// quarter block takes whole blocks of its own. Collection is mark and
// sweep, non-moving, on the calling goroutine, and pauses only the store
// that collects: the roots (globals, tables, element segments, exception
// payloads, host-held references, the interpreter's value stacks scanned
// conservatively) are marked, objects are traced through their types'
// reference offsets, and lines, blocks and extern-table entries that
// nothing reached become free. Side bitmaps record where objects start and
// which are marked, so a conservative root is accepted only if an object
// starts exactly there; on Linux they and the line table are mapped with
// the arena, for its whole limit, so that growing the heap allocates and
// clears nothing. Marking calls the heap's Yield every 32K words, and an
// interrupted call abandons the collection (nothing is freed, no small
// block is carved until one finishes). A collection runs when the bytes allocated since
// the last one reach the bytes that survived it (at least 4 MiB), or when
// the heap would pass its limit; past the limit after collecting, an
// allocation fails (the engines trap).
//
// Verify checks the heap's integrity; SetVerify (tests) or the build tag
// moat_gcverify runs it after every collection.
package gcheap
