package gcheap

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/wasm"
)

// TypeInfo describes a struct or array type of the store: its identity,
// its supertypes, and how its objects are laid out.
type TypeInfo struct {
	Kind wasm.CompositeKind // CompStruct or CompArray
	Key  string             // canonical key (wasm.TypeDef.Key)
	// Supers is the type's display: Supers[d] is its ancestor at depth d,
	// Supers[len-1] the type itself, so "is a subtype of t" is
	// len(Supers) > depth(t) && Supers[depth(t)] == t.
	Supers []uint32
	// Struct: Size is the object size, Offsets and Fields each field's
	// offset and storage type, RefOffsets the offsets the collector
	// follows. Array: ElemSize and Elem the element's, ElemRef whether the
	// collector follows elements.
	Size       uint32
	Offsets    []uint32
	Fields     []wasm.FieldType
	RefOffsets []uint32
	ElemSize   uint32
	Elem       wasm.FieldType
	ElemRef    bool
}

// Depth is the type's depth in its subtype hierarchy (0 for a root).
func (t *TypeInfo) Depth() int { return len(t.Supers) - 1 }

// types is the registry of one heap: id 0 is no type.
type types struct {
	infos []TypeInfo
	byKey map[string]uint32
	// displays is the flat table compiled casts read (abi.GCDisplay*).
	displays []uint32
}

// Displays is the display table for compiled code (abi.GCDisplay*): it
// is replaced, not changed, when types are registered.
func (h *Heap) Displays() []uint32 { return h.types.displays }

// addDisplay appends the display entry of info (the type just registered).
func (t *types) addDisplay(info *TypeInfo) {
	var e [abi.GCDisplayWords]uint32
	e[abi.GCDisplayKind] = abi.GCKindArray
	if info.Kind == wasm.CompStruct {
		e[abi.GCDisplayKind] = abi.GCKindStruct
	}
	copy(e[abi.GCDisplaySupers:], info.Supers)
	t.displays = append(t.displays, e[:]...)
}

// Type returns the description of type id, which must be registered.
func (h *Heap) Type(id uint32) *TypeInfo { return &h.types.infos[id] }

// NumTypes is one more than the largest registered type id.
func (h *Heap) NumTypes() int { return len(h.types.infos) }

// IsSubtype reports whether type id sub is super or one of its subtypes.
func (h *Heap) IsSubtype(sub, super uint32) bool {
	if sub == super {
		return true
	}
	s := h.types.infos[sub].Supers
	d := len(h.types.infos[super].Supers) - 1
	return d < len(s) && s[d] == super
}

// TypeID returns the id of the struct or array type with canonical key k,
// or 0 when no module of the store has declared it.
func (h *Heap) TypeID(k string) uint32 { return h.types.byKey[k] }

// RegisterModule enters the struct and array types of the validated
// module m and returns the id of each of its types by type index (0 for
// function types). Types already entered by an equivalent type of another
// module keep their id.
func (h *Heap) RegisterModule(m *wasm.Module) ([]uint32, error) {
	if h.types.byKey == nil {
		h.types.byKey = map[string]uint32{}
		h.types.infos = []TypeInfo{{}}
		h.types.displays = make([]uint32, abi.GCDisplayWords)
	}
	ids := make([]uint32, len(m.Types))
	for i := range m.Types {
		d := &m.Types[i]
		if d.Kind == wasm.CompFunc {
			continue
		}
		k := d.Key()
		if id, ok := h.types.byKey[k]; ok {
			ids[i] = id
			continue
		}
		if len(h.types.infos) >= 1<<31 {
			return nil, fmt.Errorf("gcheap: too many types")
		}
		id := uint32(len(h.types.infos))
		info := TypeInfo{Kind: d.Kind, Key: k}
		if len(d.Supers) > 0 {
			sup := d.Supers[0]
			if sup >= uint32(i) || ids[sup] == 0 {
				return nil, fmt.Errorf("gcheap: type %d has supertype %d that is not an earlier struct or array type", i, sup)
			}
			info.Supers = append(info.Supers, h.types.infos[ids[sup]].Supers...)
		}
		info.Supers = append(info.Supers, id)
		if d.Kind == wasm.CompStruct {
			info.Fields = d.Fields
			info.Offsets, info.Size = StructLayout(d.Fields)
			for j, f := range d.Fields {
				if IsGCRef(m, f.Type) {
					info.RefOffsets = append(info.RefOffsets, info.Offsets[j])
				}
			}
		} else {
			info.Elem = d.Fields[0]
			info.ElemSize = StorageSize(info.Elem.Type)
			info.ElemRef = IsGCRef(m, info.Elem.Type)
		}
		h.types.infos = append(h.types.infos, info)
		h.types.addDisplay(&info)
		h.types.byKey[k] = id
		ids[i] = id
	}
	return ids, nil
}
