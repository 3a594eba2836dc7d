package moat

import (
	"context"

	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/vm"
)

// Store is one sandbox: the instances that link together, the host
// functions bound for them, and the memories, tables and globals they use.
// Function references are store-relative, so nothing crosses stores: a
// server makes a Store per request or tenant and drops it when done, and
// everything in it becomes garbage together.
//
// A Store and everything in it (instances, functions, memories, ...) must be
// used by one goroutine at a time. Different stores may run concurrently.
type Store struct {
	engine *Engine
	vs     *vm.Store
	// host functions of linkers, bound into this store on first use
	hostFuncs map[*hostDef]*vm.Function
	// callers caches the Caller handed to host functions, per calling instance
	callers map[*vm.Instance]*Caller
	closed  map[*vm.Instance]bool
	// values holds per-store state of host libraries (SetValue, Value)
	values map[any]any
}

// NewStore makes an empty store for modules of engine e.
func NewStore(e *Engine) *Store {
	if sm, ok := e.impl.(engine.StoreMaker); ok {
		return &Store{engine: e, vs: sm.NewStore()}
	}
	return &Store{engine: e, vs: vm.NewStore()}
}

// Engine returns the store's engine.
func (s *Store) Engine() *Engine { return s.engine }

// Instantiate instantiates a module that has no imports.
func (s *Store) Instantiate(ctx context.Context, m *Module) (*Instance, error) {
	return (*Linker)(nil).Instantiate(ctx, s, m)
}

// SetValue attaches a value to the store under key, the way a
// context.Context carries values: host libraries keep their per-sandbox
// state here (WASI keeps its file table, for example) and find it again
// through Caller.Store. Use an unexported key type to avoid collisions.
func (s *Store) SetValue(key, value any) {
	if s.values == nil {
		s.values = make(map[any]any)
	}
	s.values[key] = value
}

// Value returns the value SetValue attached under key, or nil.
func (s *Store) Value(key any) any { return s.values[key] }

func (s *Store) isClosed(inst *vm.Instance) bool {
	return inst != nil && s.closed[inst]
}

// caller returns the Caller for host calls made by inst (nil: by the host).
func (s *Store) caller(inst *vm.Instance) *Caller {
	if c := s.callers[inst]; c != nil {
		return c
	}
	if s.callers == nil {
		s.callers = make(map[*vm.Instance]*Caller)
	}
	c := &Caller{store: s, inst: inst}
	if inst != nil {
		if m := inst.Memory(); m != nil {
			c.mem = &Memory{store: s, mem: m}
		}
	}
	s.callers[inst] = c
	return c
}

// call runs f (wasm or host) with stack holding its parameters. An
// uncaught exception comes back as an *Exception, anything else abnormal
// as a *Trap.
func (s *Store) call(ctx context.Context, f *vm.Function, stack []uint64) error {
	var err error
	if f.Host != nil {
		err = f.Host(ctx, nil, stack)
	} else {
		err = f.Instance.Exec.Call(ctx, f, stack)
	}
	if exn := vm.AsException(err); exn != nil {
		return &Exception{store: s, exn: exn}
	}
	return trapOf(err)
}

// Caller is what a host function knows about the code that called it.
// It is valid only during the call.
type Caller struct {
	store *Store
	inst  *vm.Instance
	mem   *Memory
}

// Store returns the store the call runs in.
func (c *Caller) Store() *Store { return c.store }

// Memory returns the calling instance's memory 0, or nil when it has none
// (or when the host called the function directly).
func (c *Caller) Memory() *Memory { return c.mem }

// ExportedFunc returns the calling instance's exported function name, or nil.
func (c *Caller) ExportedFunc(name string) *Func {
	if f, ok := c.export(name).(*Func); ok {
		return f
	}
	return nil
}

// ExportedMemory returns the calling instance's exported memory name, or nil.
func (c *Caller) ExportedMemory(name string) *Memory {
	if m, ok := c.export(name).(*Memory); ok {
		return m
	}
	return nil
}

// ExportedGlobal returns the calling instance's exported global name, or nil.
func (c *Caller) ExportedGlobal(name string) *Global {
	if g, ok := c.export(name).(*Global); ok {
		return g
	}
	return nil
}

// ExportedTag returns the calling instance's exported tag name, or nil.
func (c *Caller) ExportedTag(name string) *Tag {
	if t, ok := c.export(name).(*Tag); ok {
		return t
	}
	return nil
}

// ExportedTable returns the calling instance's exported table name, or nil.
func (c *Caller) ExportedTable(name string) *Table {
	if t, ok := c.export(name).(*Table); ok {
		return t
	}
	return nil
}

func (c *Caller) export(name string) Extern {
	if c.inst == nil {
		return nil
	}
	return exportOf(c.store, c.inst, name)
}
