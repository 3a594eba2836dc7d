package moat

import "github.com/moat-run/moat/internal/vm"

// Caller is what a host function knows about the code that called it: the
// calling instance, its memory and exports, and the store.
//
// A Caller is valid only while a host call made by its instance is running,
// and only on the goroutine running it. A Caller kept after its call
// returned, used from another goroutine, or used after its instance or
// store was closed answers nil from every method: it never reaches state
// that may be gone. The externs it handed out stay what they are (a
// *Memory, for example, keeps working as the store's).
type Caller struct {
	store storeRef
	// pub is the handle Store returns, made on its first call: host
	// libraries find their state with Value, which needs none.
	pub  *Store
	inst *vm.Instance
	mem  *Memory
	// live counts the host calls of inst running now (they nest when a host
	// function calls back into wasm that calls a host function again).
	live int
}

// caller returns the Caller for host calls made by inst (nil: by the host).
// The store keeps them, not the instances: most stores' instances take
// none (WASI's functions take none), and a store whose one instance does
// keeps its Caller as lastCaller alone; the map is made by a second.
func (s *storeState) caller(inst *vm.Instance) *Caller {
	if c := s.lastCaller; c != nil && c.inst == inst {
		return c
	}
	callers := s.callerMap()
	c := callers[inst]
	if c == nil {
		c = s.newCaller(inst)
		if last := s.lastCaller; last != nil || callers != nil {
			if callers == nil {
				callers = map[*vm.Instance]*Caller{last.inst: last}
				s.rareState().callers = callers
			}
			callers[inst] = c
		}
	}
	s.lastCaller = c
	return c
}

// newCaller makes inst's Caller, with its memory 0's handle, in one
// allocation of the store's generation (never recycled: a host function
// may keep them).
func (s *storeState) newCaller(inst *vm.Instance) *Caller {
	cs := &callerState{caller: Caller{store: s.ref(), inst: inst}}
	if inst != nil {
		if m := inst.Memory(); m != nil {
			cs.mem = Memory{store: s.ref(), mem: m, typ: m.Type}
			cs.caller.mem = &cs.mem
		}
	}
	return &cs.caller
}

// callerState is a Caller and its instance's memory 0's handle
// (storeState.newCaller).
type callerState struct {
	caller Caller
	mem    Memory
}

// valid reports whether c's host call is running, on this goroutine. The
// owner check comes first: live is only ever written by the goroutine that
// owns the store, so only that goroutine may read it.
func (c *Caller) valid() bool {
	return c != nil && c.store.owner.Load() == goroutineMark() && c.live > 0 && c.store.live()
}

// Store returns the store the call runs in (nil once the call returned).
func (c *Caller) Store() *Store {
	if !c.valid() {
		return nil
	}
	if c.pub == nil {
		c.pub = &Store{storeRef: c.store}
	}
	return c.pub
}

// Value returns what the store the call runs in holds under key
// (Store.Value), or nil once the call returned. A host library that
// keeps its per-sandbox state in the store finds it this way at every
// call without the store's handle, which a Caller makes on demand.
func (c *Caller) Value(key any) any {
	if !c.valid() {
		return nil
	}
	return c.store.value(key)
}

// Memory returns the calling instance's memory 0, or nil when it has none,
// when the host called the function directly, or once the call returned.
func (c *Caller) Memory() *Memory {
	if !c.valid() {
		return nil
	}
	return c.mem
}

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
	if !c.valid() || c.inst == nil {
		return nil
	}
	// The call runs in the store on this goroutine (valid): its list of
	// instances is not changing.
	both := c.store.stateOf(c.inst)
	if both == nil {
		return nil
	}
	return exportOf(c.store, both, name)
}
