package moat

import (
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Module is a compiled module. It is immutable and can be instantiated any
// number of times, concurrently, in any stores of the engine that compiled it.
type Module struct {
	engine  *Engine
	m       *wasm.Module
	code    engine.Code
	imports []ImportType
	exports []ExportType
	// src is the module's binary, for Serialize (see artifact.go).
	src moduleSource
	// fromCache is set when the code came from the compilation cache.
	fromCache bool

	// elemFuncs is, per element segment, the function index of each item
	// when every item is a ref.func or ref.null (vm.NullItem), else nil:
	// such a segment is written into its table in one pass (elemPlan).
	elemOnce  sync.Once
	elemFuncs [][]uint32
	// droppedElems is the element segments' state after instantiating
	// when every segment is written into its table or declarative (all
	// dropped: nil), shared by the module's instances, whose elem.drop
	// writes only a segment not dropped yet (vm.Instance.DropElem); nil
	// for a module with a passive segment or one of other items.
	droppedElems [][]uint64

	// appliedDatas is the state of the data segments after an
	// instantiation that applied every active one from memory images
	// (active nil, passive their bytes), shared by such instances
	// (vm.Segments.DatasShared): a module with thousands of segments (Go
	// programs) would otherwise allocate them per instance.
	datasOnce    sync.Once
	appliedDatas [][]byte
	// segments is the segments' state (vm.Instance.Segs) of the
	// instances that share both droppedElems and appliedDatas, or have
	// no segments of a kind (sharedSegments).
	segmentsOnce sync.Once
	segments     *vm.Segments
	// activeMems is the memories the active data segments write (bit i
	// for memory i; activeFar: one past the 64th), found once, so that an
	// instantiation learns whether its memory images hold every active
	// segment without a pass over them (Go programs have tens of
	// thousands: two passes cost some 300 µs an instance).
	activeOnce sync.Once
	activeMems uint64
	activeFar  bool

	// instances keeps the states of instances whose store was closed,
	// for the next instance (store_recycle.go).
	instances sync.Pool
}

// sharedDatas returns appliedDatas, made on first use.
func (mod *Module) sharedDatas() [][]byte {
	mod.datasOnce.Do(func() {
		d := make([][]byte, len(mod.m.Datas))
		for i, seg := range mod.m.Datas {
			if seg.Mode != wasm.DataActive {
				d[i] = seg.Bytes
			}
		}
		mod.appliedDatas = d
	})
	return mod.appliedDatas
}

// allDataInImages reports whether every active data segment is in the
// image of its memory (withData: bit i for memory i), so that
// instantiating applies none of them itself.
func (mod *Module) allDataInImages(withData uint64) bool {
	mod.activeOnce.Do(func() {
		for i := range mod.m.Datas {
			switch seg := &mod.m.Datas[i]; {
			case seg.Mode != wasm.DataActive:
			case seg.Memory >= 64:
				mod.activeFar = true
			default:
				mod.activeMems |= 1 << seg.Memory
			}
		}
	})
	return !mod.activeFar && mod.activeMems&^withData == 0
}

// sharedSegments returns segments, made on first use (after elemPlan).
func (mod *Module) sharedSegments() *vm.Segments {
	mod.segmentsOnce.Do(func() {
		segs := &vm.Segments{Elems: mod.droppedElems}
		if len(mod.m.Datas) > 0 {
			segs.Datas, segs.DatasShared = mod.sharedDatas(), true
		}
		mod.segments = segs
	})
	return mod.segments
}

// elemPlan returns elemFuncs, made on first use.
func (mod *Module) elemPlan() [][]uint32 {
	mod.elemOnce.Do(func() {
		plan := make([][]uint32, len(mod.m.Elems))
		for i, seg := range mod.m.Elems {
			if len(seg.Funcs) > 0 {
				plan[i] = seg.Funcs // read only
				continue
			}
			idxs := make([]uint32, len(seg.Items))
			for j, item := range seg.Items {
				switch {
				case item.Len() != 1:
					idxs = nil
				case item.At(0).Op == wasm.OpRefFunc:
					idxs[j] = item.At(0).X
				case item.At(0).Op == wasm.OpRefNull:
					idxs[j] = vm.NullItem
				default:
					idxs = nil
				}
				if idxs == nil {
					break
				}
			}
			plan[i] = idxs
		}
		mod.elemFuncs = plan
		allDropped := len(plan) > 0
		for i, seg := range mod.m.Elems {
			allDropped = allDropped && plan[i] != nil && seg.Mode != wasm.ElemPassive
		}
		if allDropped {
			mod.droppedElems = make([][]uint64, len(plan))
		}
	})
	return mod.elemFuncs
}

// Compile decodes, validates and compiles a binary module, or a text-format
// module when the bytes do not start with the binary magic `\0asm` and look
// like text (see CompileText). A module the spec rejects gives a
// *CompileError. wasmBytes is not retained after Compile
// returns except through the module's data segments, which alias it: do not
// modify it while the module is in use.
func (e *Engine) Compile(wasmBytes []byte) (mod *Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			mod, err = nil, fmt.Errorf("moat: internal error while compiling: %v\n%s", r, debug.Stack())
		}
	}()
	if looksLikeText(wasmBytes) {
		return e.compileText(wasmBytes)
	}
	return e.compileBinary(wasmBytes)
}

// compileBinary compiles a binary module, through the cache when the
// engine has one.
func (e *Engine) compileBinary(b []byte) (*Module, error) {
	if e.cache != nil {
		return e.compileCached(b)
	}
	return e.decodeAndCompile(b)
}

// decodeAndCompile decodes, validates and compiles the binary module b.
// For an engine that validates bodies as it compiles them, the decoder
// leaves the bodies' instructions to that walk too (binary.DecodeDeferred).
func (e *Engine) decodeAndCompile(b []byte) (*Module, error) {
	decode := binary.DecodeFeatures
	if _, fused := e.impl.(engine.BodyValidating); fused {
		decode = binary.DecodeDeferred
	}
	m, err := decode(b, wasm.Features(e.cfg.DisabledFeatures))
	if err != nil {
		return nil, compileErrorOf(e.explainDisabled(b, err))
	}
	mod, err := e.compileModel(m, b)
	if err != nil {
		return nil, err
	}
	mod.src = moduleSource{bin: b}
	return mod, nil
}

// compileModel validates and compiles m, decoded from b (by
// binary.DecodeDeferred for an engine that validates as it compiles).
func (e *Engine) compileModel(m *wasm.Module, b []byte) (mod *Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			mod, err = nil, fmt.Errorf("moat: internal error while compiling: %v\n%s", r, debug.Stack())
		}
	}()
	code, err := e.validateAndCompile(m)
	if err != nil {
		err = e.explainDisabled(b, err)
		if ce, ok := compileErrorOf(err).(*CompileError); ok {
			return nil, ce // a feature the engine does not run, or its compile budget
		}
		return nil, fmt.Errorf("moat: compile: %w", err)
	}
	mod = &Module{engine: e, m: m, code: code}
	mod.describe()
	return mod, nil
}

// validateAndCompile validates m and compiles it: in one walk over each
// body on an engine that validates as it compiles, otherwise validating
// first. Either way a malformed module gets the decoder's error and an
// invalid one the validator's.
func (e *Engine) validateAndCompile(m *wasm.Module) (engine.Code, error) {
	off := wasm.Features(e.cfg.DisabledFeatures)
	if fused, ok := e.impl.(engine.BodyValidating); ok {
		d, err := validate.ModuleDeferred(m, off)
		if err == nil {
			var code engine.Code
			if code, err = fused.CompileValidating(m, d); err == nil {
				return code, nil
			}
		}
		// The decoder's verdict on the bodies comes before any other.
		if serr := binary.SkimBodies(m, off); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	if err := validate.ModuleFeatures(m, off); err != nil {
		return nil, err
	}
	return e.impl.Compile(m)
}

func (mod *Module) describe() {
	m := mod.m
	mod.imports = make([]ImportType, len(m.Imports))
	for i, im := range m.Imports {
		var t ExternType
		switch im.Kind {
		case wasm.ExternFunc:
			t = fromFuncType(m.FuncType(im.Func))
		case wasm.ExternTable:
			t = fromTableType(im.Table)
		case wasm.ExternMemory:
			t = fromMemoryType(im.Memory)
		case wasm.ExternGlobal:
			t = fromGlobalType(im.Global)
		case wasm.ExternTag:
			t = TagType{Type: fromFuncType(m.FuncType(im.Tag.Type))}
		}
		mod.imports[i] = ImportType{Module: im.Module, Name: im.Name, Type: t}
	}
	mod.exports = make([]ExportType, len(m.Exports))
	for i, ex := range m.Exports {
		mod.exports[i] = ExportType{Name: ex.Name, Type: mod.exportType(ex)}
	}
}

func (mod *Module) exportType(ex wasm.Export) ExternType {
	m := mod.m
	switch ex.Kind {
	case wasm.ExternFunc:
		return fromFuncType(m.FuncTypeOf(ex.Index))
	case wasm.ExternTable:
		return fromTableType(mod.tableType(ex.Index))
	case wasm.ExternMemory:
		return fromMemoryType(mod.memoryType(ex.Index))
	case wasm.ExternGlobal:
		return fromGlobalType(mod.globalType(ex.Index))
	case wasm.ExternTag:
		return TagType{Type: fromFuncType(m.TagType(ex.Index))}
	}
	return nil
}

// importsOf returns the imports of one kind, in index-space order.
func (mod *Module) importsOf(kind wasm.ExternKind) []*wasm.Import {
	var out []*wasm.Import
	for i := range mod.m.Imports {
		if mod.m.Imports[i].Kind == kind {
			out = append(out, &mod.m.Imports[i])
		}
	}
	return out
}

func (mod *Module) tableType(i uint32) wasm.TableType {
	if i < mod.m.NumImportedTables {
		return mod.importsOf(wasm.ExternTable)[i].Table
	}
	return mod.m.Tables[i-mod.m.NumImportedTables].Type
}

func (mod *Module) memoryType(i uint32) wasm.MemoryType {
	if i < mod.m.NumImportedMemories {
		return mod.importsOf(wasm.ExternMemory)[i].Memory
	}
	return mod.m.Memories[i-mod.m.NumImportedMemories]
}

func (mod *Module) globalType(i uint32) wasm.GlobalType {
	if i < mod.m.NumImportedGlobals {
		return mod.importsOf(wasm.ExternGlobal)[i].Global
	}
	return mod.m.Globals[i-mod.m.NumImportedGlobals].Type
}

// Imports lists the module's imports in order. The slice is the caller's.
func (mod *Module) Imports() []ImportType { return append([]ImportType(nil), mod.imports...) }

// Exports lists the module's exports in order. The slice is the caller's.
func (mod *Module) Exports() []ExportType { return append([]ExportType(nil), mod.exports...) }

// Name is the module name from the name section, or "".
func (mod *Module) Name() string { return mod.m.Names.Module }
