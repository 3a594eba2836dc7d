package text

// The identifiers of a module are kept in its name section model, as
// `wat2wasm --debug-names` does, so that backtraces and printers can show
// them. Identifiers drop their leading `$`.

func (p *moduleParser) nameModule(id string) {
	if len(id) > 1 {
		p.m.Names.Module = id[1:]
	}
}

func (p *moduleParser) nameFunc(idx uint32, id *node) {
	if id == nil {
		return
	}
	if p.m.Names.Funcs == nil {
		p.m.Names.Funcs = make(map[uint32]string)
	}
	p.m.Names.Funcs[idx] = id.text[1:]
}

// nameLocals records the parameter and local identifiers of function idx.
func (p *moduleParser) nameLocals(idx uint32, locals map[string]uint32) {
	if len(locals) == 0 {
		return
	}
	if p.m.Names.Locals == nil {
		p.m.Names.Locals = make(map[uint32]map[uint32]string)
	}
	names := make(map[uint32]string, len(locals))
	for id, i := range locals {
		names[i] = id[1:]
	}
	p.m.Names.Locals[idx] = names
}
