package vm

import (
	"context"
	"math"
	"slices"
	"sync"
	"unsafe"

	"github.com/moat-run/moat/internal/wasm"
)

// Executor runs functions of the instances bound to it. stack follows the
// HostFunc convention: parameters in, results out.
type Executor interface {
	Call(ctx context.Context, f *Function, stack []uint64) error
}

// Instance is an instantiated module: its index spaces, imports first, and
// the state of its segments.
type Instance struct {
	Module   *wasm.Module
	Store    *Store
	Funcs    []*Function
	Tables   []*Table
	Memories []*Memory
	Globals  []*Global
	// Segs is the state of the instance's element and data segments: the
	// module's, shared by its instances, until an instance drops a
	// segment (DropElem, DropData), or the instance's own (Segments).
	Segs *Segments
	// Closed is set when the embedder closed the instance: its functions
	// may not run again.
	Closed bool
	// FuncsShared says Funcs is a list of imports shared by the instances
	// of a module prepared once (read only): FuncIn extends it into
	// storage of the instance's own, and its owner keeps none of it.
	FuncsShared bool
	// funcsRoomCap is funcsRoom's capacity.
	funcsRoomCap uint32
	// Engine is the engine's per-instance state, if it keeps any; once
	// bound, it runs the instance's functions (Exec).
	Engine any
	// rare holds what few modules need (tags, GC type ids), apart so
	// that the instances of the others carry no room for it; nil until
	// the first is set.
	rare *instanceRare
	// funcsRoom and funcsRoomCap are storage of the embedder's for the
	// instance's function list (SetFuncsRoom, FuncsRoom), kept as a
	// pointer to its first element and a capacity so that an instance
	// carries one word and a half for it rather than a slice header.
	funcsRoom **Function
	// firstMade is the first function made past the end of Funcs (an
	// engine.LazyFunctions instance's Funcs holds its imports until a
	// second defined function is made, which extends it to the whole
	// index space, firstMade in its place).
	firstMade *Function

	// funcsMu guards Funcs once the instance is bound: the embedder may
	// ask for a function (which makes it, and may replace Funcs with the
	// whole index space) from one goroutine while a call runs in the
	// store on another, which reads Funcs. Readers after instantiation go
	// through Made, Lookup and FuncIn.
	funcsMu sync.Mutex
}

// instanceRare is the part of an instance that few modules use.
type instanceRare struct {
	// tags is the tag index space, imports first (Tags).
	tags []*Tag
	// gcTypes maps the module's type indices to the store's GC type ids
	// (GCTypes).
	gcTypes []uint32
}

// rareState returns inst.rare, made on first use.
func (inst *Instance) rareState() *instanceRare {
	if inst.rare == nil {
		inst.rare = new(instanceRare)
	}
	return inst.rare
}

// Tags returns the instance's tag index space, imports first.
func (inst *Instance) Tags() []*Tag {
	if inst.rare == nil {
		return nil
	}
	return inst.rare.tags
}

// SetTags sets the instance's tag index space (an instance of a module
// without tags keeps no room for them).
func (inst *Instance) SetTags(tags []*Tag) {
	if len(tags) == 0 && inst.rare == nil {
		return
	}
	inst.rareState().tags = tags
}

// Exec runs the instance's functions: its engine's state (Engine), nil
// before the engine bound the instance.
func (inst *Instance) Exec() Executor {
	e, _ := inst.Engine.(Executor)
	return e
}

// GCTypes maps the module's type indices to the store's GC type ids (see
// Store.RegisterTypes); nil for a module without struct or array types.
func (inst *Instance) GCTypes() []uint32 {
	if inst.rare == nil {
		return nil
	}
	return inst.rare.gcTypes
}

// Func returns function i of the instance's index space. An engine whose
// code implements engine.LazyFunctions leaves a defined function's entry
// nil until first use: Func makes it then and registers it in the store,
// whose codec gives it the reference the engine set aside for it at Bind.
// Instantiating a module of a thousand functions thus makes only those
// the embedder or a host function ever sees.
//
// Such an engine's instance may hold only its imports in Funcs until then:
// the first defined function asked for is kept apart (firstMade), and Func
// extends Funcs to the whole index space on the second, so that
// instantiating a module of many functions does not clear a list of them
// and an instance asked for one entry point needs no such list.
func (inst *Instance) Func(i uint32) *Function {
	return inst.FuncIn(i, nil)
}

// Made reports whether function i exists already (Func would not make it).
func (inst *Instance) Made(i uint32) bool {
	return inst.Lookup(i) != nil
}

// Lookup returns function i if it exists already, or nil (it does not
// make it).
func (inst *Instance) Lookup(i uint32) *Function {
	inst.funcsMu.Lock()
	defer inst.funcsMu.Unlock()
	if int(i) < len(inst.Funcs) {
		return inst.Funcs[i]
	}
	if f := inst.firstMade; f != nil && f.Index == i {
		return f
	}
	return nil
}

// FuncIn is Func, with room, when not nil, the storage of a function made
// now (the embedder's, beside its own handle of it).
func (inst *Instance) FuncIn(i uint32, room *Function) *Function {
	inst.funcsMu.Lock()
	defer inst.funcsMu.Unlock()
	first := inst.firstMade
	sparse := false
	if int(i) < len(inst.Funcs) {
		if f := inst.Funcs[i]; f != nil {
			return f
		}
	} else if first != nil && first.Index == i {
		return first
	} else if first == nil {
		// The first defined function made past the imports: kept
		// apart, so that the list need not grow to the whole index
		// space (most instances are asked for one entry point).
		sparse = true
	} else {
		n := int(inst.Module.NumFuncs())
		var all []*Function
		if room := inst.FuncsRoom(); cap(room) >= n {
			all = room[:n:n]
		} else {
			all = make([]*Function, n)
		}
		copy(all, inst.Funcs)
		all[first.Index] = first
		inst.Funcs, inst.FuncsShared = all, false
	}
	f := room
	if f == nil {
		f = new(Function)
	}
	*f = Function{Type: inst.Module.FuncTypeOf(i), Instance: inst, Index: i}
	if sparse {
		inst.firstMade = f
	} else {
		inst.Funcs[i] = f
	}
	if inst.Store != nil {
		// The engine's codec cannot fail for a function of a bound
		// instance; before Bind, Ref fails and is tried again on use.
		_, _ = inst.Store.Ref(f)
	}
	return f
}

// Memory returns memory 0, or nil when the instance has none.
func (inst *Instance) Memory() *Memory {
	if len(inst.Memories) == 0 {
		return nil
	}
	return inst.Memories[0]
}

// Segments is the state of an instance's element and data segments.
type Segments struct {
	// Elems holds each element segment's resolved references; a
	// dropped (or already applied active/declarative) segment is nil.
	// A list of dropped segments only may be shared by the module's
	// instances: DropElem writes only a segment not dropped yet.
	Elems [][]uint64
	// Datas holds each data segment's bytes; a dropped or applied
	// active segment is nil.
	Datas [][]byte
	// DatasShared says Datas is shared with the module's other
	// instances (their segments' state after an instantiation that
	// applied every active segment from a memory image); DropData
	// copies it first, into Segments of the instance's own.
	DatasShared bool
}

// Elems returns the instance's element segments (Segments.Elems).
func (inst *Instance) Elems() [][]uint64 {
	if inst.Segs == nil {
		return nil
	}
	return inst.Segs.Elems
}

// Datas returns the instance's data segments (Segments.Datas).
func (inst *Instance) Datas() [][]byte {
	if inst.Segs == nil {
		return nil
	}
	return inst.Segs.Datas
}

// DropElem drops element segment e (elem.drop; e in range). It writes
// only a segment not dropped yet: a list of dropped segments may be shared
// by a module's instances.
func (inst *Instance) DropElem(e uint32) {
	if elems := inst.Segs.Elems; elems[e] != nil {
		elems[e] = nil
	}
}

// DropData drops data segment d (data.drop; d in range). Segments whose
// Datas are shared with the module's other instances (and which may be
// the module's own) are replaced first by the instance's own, with a copy.
func (inst *Instance) DropData(d uint32) {
	segs := inst.Segs
	if segs.Datas[d] == nil {
		return
	}
	if segs.DatasShared {
		segs = &Segments{Elems: segs.Elems, Datas: slices.Clone(segs.Datas)}
		inst.Segs = segs
	}
	segs.Datas[d] = nil
}

// FuncsRoom returns the storage for the instance's function list that
// SetFuncsRoom gave it, empty, with its capacity (nil when none).
func (inst *Instance) FuncsRoom() []*Function {
	if inst.funcsRoom == nil {
		return nil
	}
	// funcsRoom is the first element of a backing array of
	// funcsRoomCap elements (SetFuncsRoom), which the pointer keeps
	// alive whole.
	return unsafe.Slice(inst.funcsRoom, inst.funcsRoomCap)[:0]
}

// SetFuncsRoom gives the instance room (its capacity) as the storage of
// its function list once it extends it to the whole index space (FuncIn),
// or takes it back (nil).
func (inst *Instance) SetFuncsRoom(room []*Function) {
	room = room[:cap(room)]
	if len(room) == 0 || uint64(len(room)) > math.MaxUint32 {
		inst.funcsRoom, inst.funcsRoomCap = nil, 0
		return
	}
	inst.funcsRoom, inst.funcsRoomCap = &room[0], uint32(len(room))
}
