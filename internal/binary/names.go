package binary

import "github.com/moat-run/moat/internal/wasm"

// The `name` custom section: module name (subsection 0), function names (1)
// and local names (2). Other subsections are skipped. Like other engines, a
// broken name section is ignored as a whole rather than failing the module:
// it is debugging information only.

func parseNames(data []byte, base int) wasm.NameSection {
	var ns wasm.NameSection
	r := newReader(data, base)
	lastID := -1
	for !r.atEnd() {
		id, err := r.byte()
		if err != nil || int(id) <= lastID {
			return wasm.NameSection{}
		}
		lastID = int(id)
		sub, err := r.bytesVec()
		if err != nil {
			return wasm.NameSection{}
		}
		sr := newReader(sub, r.offset()-len(sub))
		switch id {
		case 0:
			ns.Module, err = sr.name()
		case 1:
			ns.Funcs, err = sr.nameMap()
		case 2:
			ns.Locals, err = sr.indirectNameMap()
		default:
			continue
		}
		if err != nil || !sr.atEnd() {
			return wasm.NameSection{}
		}
	}
	return ns
}

// nameMap reads vec(index name). Indices must increase, as the format says.
func (r *reader) nameMap() (map[uint32]string, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	m := make(map[uint32]string, min(n, 1024))
	for i := 0; i < n; i++ {
		at := r.offset()
		idx, err := r.u32()
		if err != nil {
			return nil, err
		}
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		if _, dup := m[idx]; dup {
			return nil, errAt(at, "duplicate name index %d", idx)
		}
		m[idx] = name
	}
	return m, nil
}

func (r *reader) indirectNameMap() (map[uint32]map[uint32]string, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	m := make(map[uint32]map[uint32]string, min(n, 1024))
	for i := 0; i < n; i++ {
		at := r.offset()
		idx, err := r.u32()
		if err != nil {
			return nil, err
		}
		inner, err := r.nameMap()
		if err != nil {
			return nil, err
		}
		if _, dup := m[idx]; dup {
			return nil, errAt(at, "duplicate name index %d", idx)
		}
		m[idx] = inner
	}
	return m, nil
}
