package moat

// Engine returns the engine that compiled the module: its stores are the
// only ones the module can be instantiated in.
func (mod *Module) Engine() *Engine { return mod.engine }
