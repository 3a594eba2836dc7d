package wasm

import (
	"crypto/sha256"
	"encoding/binary"
)

// Canonical type identity (iso-recursive type equivalence).
//
// Two defined types, of one module or of two, are equivalent when their
// recursion groups are equal after replacing every reference to a type
// outside the group by that type's identity and every reference inside by
// its position in the group, and the types sit at the same position. The
// key of a type is therefore a digest of its group's canonical form plus
// its position; a plain function type (alone in its group, final, no type
// indices) keeps the short readable key NewFuncType gives it. Keys are
// strings, so the identity of a type outlives no registry and costs nothing
// to share between engines and modules.

// hashedKeyPrefix starts every digest key; a plain key never starts with
// it (it starts with a type code byte or ':').
const hashedKeyPrefix = "\x00"

// CanonicalizeTypes sets the canonical key of every type of m and the key
// chain of its declared supertypes. It needs a type section whose type
// indices all refer to earlier types or to their own recursion group, and
// whose supertypes are earlier types (the validator checks both first);
// it does nothing harmful otherwise, but the keys are then meaningless.
func (m *Module) CanonicalizeTypes() {
	for s := 0; s < len(m.Types); {
		s += m.CanonicalizeGroup(uint32(s))
	}
}

// CanonicalizeGroup does what CanonicalizeTypes does for the one recursion
// group that starts at type index s, whose earlier groups are done, and
// returns the group's size. The validator calls it group by group, so that
// checking a group's subtype declarations can compare keys.
func (m *Module) CanonicalizeGroup(s uint32) int {
	n := int(m.Types[s].RecSize)
	if n < 1 || int(s)+n > len(m.Types) {
		n = 1
	}
	group := m.Types[s : int(s)+n]
	if n == 1 && group[0].isPlain() {
		if group[0].Func.key == "" {
			group[0].Func.key = group[0].Func.computeKey()
		}
		group[0].key = group[0].Func.key
	} else {
		sum := sha256.Sum256(m.appendGroup(nil, s, uint32(n)))
		for i := range group {
			group[i].key = hashedKeyPrefix + string(sum[:]) + string(binary.AppendUvarint(nil, uint64(i)))
		}
	}
	for i := range group {
		d := &group[i]
		d.superKeys = nil
		if len(d.Supers) > 0 && d.Supers[0] < s+uint32(i) {
			sup := &m.Types[d.Supers[0]]
			d.superKeys = append([]string{sup.key}, sup.superKeys...)
		}
		if d.Kind == CompFunc {
			d.Func.key, d.Func.supers = d.key, d.superKeys
		}
	}
	return n
}

// isPlain reports whether d is what the binary format's 0x60 form declares:
// a final function type without supertypes or type indices.
func (d *TypeDef) isPlain() bool {
	return d.Kind == CompFunc && d.Final && len(d.Supers) == 0 && !d.Func.HasTypeIndices()
}

// appendGroup writes the canonical form of the recursion group of n types
// starting at index s.
func (m *Module) appendGroup(b []byte, s, n uint32) []byte {
	ref := func(b []byte, idx uint32) []byte {
		if idx >= s && idx < s+n {
			return binary.AppendUvarint(append(b, 'r'), uint64(idx-s))
		}
		k := ""
		if idx < uint32(len(m.Types)) {
			k = m.Types[idx].key
		}
		b = binary.AppendUvarint(append(b, 'c'), uint64(len(k)))
		return append(b, k...)
	}
	val := func(b []byte, t ValType) []byte {
		if t.HasTypeIndex() {
			return ref(append(b, byte(t)), t.Heap().Index())
		}
		return binary.LittleEndian.AppendUint64(append(b, 'v'), uint64(t))
	}
	vals := func(b []byte, ts []ValType) []byte {
		b = binary.AppendUvarint(b, uint64(len(ts)))
		for _, t := range ts {
			b = val(b, t)
		}
		return b
	}
	for i := s; i < s+n; i++ {
		d := &m.Types[i]
		final := byte(0)
		if d.Final {
			final = 1
		}
		b = append(b, byte(d.Kind), final)
		b = binary.AppendUvarint(b, uint64(len(d.Supers)))
		for _, x := range d.Supers {
			b = ref(b, x)
		}
		switch d.Kind {
		case CompFunc:
			b = vals(b, d.Func.Params)
			b = vals(b, d.Func.Results)
		default:
			b = binary.AppendUvarint(b, uint64(len(d.Fields)))
			for _, f := range d.Fields {
				mut := byte(0)
				if f.Mutable {
					mut = 1
				}
				b = val(append(b, mut), f.Type)
			}
		}
	}
	return b
}
