package amd64

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// Reloc is a call (or tail jump) to another function whose address the
// linker supplies:
// it stores target + Addend - (function start + Offset) as a little-endian
// int32 at Offset (the ELF R_X86_64_PC32 rule; Addend is -4, the field's
// distance from the end of the call).
type Reloc struct {
	Offset int    // of the rel32 field, from the function's first byte
	Func   uint32 // index of the called function
	Addend int64
}

// Assembler builds one function's machine code. Emit appends instructions,
// NewLabel/Bind name positions, Const* place values in the constant pool, and
// Finish lays everything out: branch displacements (rel8 where they fit
// unless LongBranches is set, rel32 otherwise), alignment padding, the
// constant pool (16-byte slots after the code) and relocation offsets.
//
// Code offsets move when branches shrink, so positions that matter after
// Finish (trap sites, return addresses, loop headers) are labels: bind one and
// read LabelOffset after Finish. The function must be placed at a 16-byte
// aligned address for Align and the pool's alignment to hold.
//
// The first error (an unencodable instruction, a label bound twice) is kept,
// later calls do nothing, and Finish returns it; so lowering code can emit
// without checking each call.
type Assembler struct {
	// LongBranches keeps every jmp/jcc in its rel32 form.
	LongBranches bool
	// Listing, when set, receives the function as assembly text: one
	// instruction per line ("\tadd rax, rbx"), labels as ".L3:", alignment as
	// ".p2align" and padding as ".nops". Back-end tests compare it with
	// golden text.
	Listing *strings.Builder

	code   []byte
	labels []labelPos
	items  []item
	fixups []fixup
	relocs []Reloc
	consts []poolConst
	tables []jumpTable
	// tableTargets holds the jump tables' targets back to back.
	tableTargets []Label
	err          error

	final []int32 // label offsets after Finish
	// working memory of Finish, kept for the next function
	cum, pads []int32
	short     []bool
}

// Reset empties a for a new function, keeping its memory. LongBranches
// is kept; Listing is cleared.
func (a *Assembler) Reset() {
	a.Listing = nil
	a.code, a.labels, a.items, a.fixups = a.code[:0], a.labels[:0], a.items[:0], a.fixups[:0]
	a.relocs, a.consts, a.tables, a.final = a.relocs[:0], a.consts[:0], a.tables[:0], a.final[:0]
	a.tableTargets = a.tableTargets[:0]
	a.err = nil
}

// labelPos is where a label is bound: a byte offset in the unrelaxed code and
// the number of variable-size items before it.
type labelPos struct {
	pos, items int32
	bound      bool
	pool       bool // placed by Finish in the constant pool or a jump table
}

// item is a code site whose size is decided by Finish: a jmp/jcc (emitted in
// its rel32 form, possibly shrunk to rel8) or an alignment point.
type item struct {
	pos    int32
	oldLen uint8 // bytes in the unrelaxed code: 5 or 6 for branches, 0 for alignment
	align  uint8 // alignment in bytes, 0 for branches
	cond   Cond
	isJcc  bool
	label  Label
}

// fixup is a rel32 field (rip-relative operand or call to a local label)
// relative to the end of its instruction.
type fixup struct {
	at, end, items int32
	label          Label
	addend         int32
}

type poolConst struct {
	lo, hi uint64
	label  Label
}

type jumpTable struct {
	label   Label
	targets []Label
}

// NewLabel returns a fresh, unbound label.
func (a *Assembler) NewLabel() Label {
	a.labels = append(a.labels, labelPos{})
	return Label(len(a.labels))
}

// Bind places l at the current position.
func (a *Assembler) Bind(l Label) { a.bind(l, true) }

// Note adds a comment line to the listing (nothing to the code).
func (a *Assembler) Note(text string) {
	if a.Listing != nil {
		a.Listing.WriteByte('\t')
		a.Listing.WriteString(text)
		a.Listing.WriteByte('\n')
	}
}

// BindQuiet places l at the current position without a listing line (for
// labels that only record an offset, such as a call's return address).
func (a *Assembler) BindQuiet(l Label) { a.bind(l, false) }

func (a *Assembler) bind(l Label, listed bool) {
	if a.err != nil {
		return
	}
	if l == 0 || int(l) > len(a.labels) {
		a.fail(fmt.Errorf("amd64: bind of unknown label %d", l))
		return
	}
	p := &a.labels[l-1]
	if p.bound {
		a.fail(fmt.Errorf("amd64: label %s bound twice", labelName(l)))
		return
	}
	*p = labelPos{pos: int32(len(a.code)), items: int32(len(a.items)), bound: true}
	if a.Listing != nil && listed {
		a.Listing.WriteString(labelName(l))
		a.Listing.WriteString(":\n")
	}
}

// Mark binds a new label at the current position and returns it.
func (a *Assembler) Mark() Label {
	l := a.NewLabel()
	a.Bind(l)
	return l
}

// Err is the first error so far.
func (a *Assembler) Err() error { return a.err }

func (a *Assembler) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// Len is the current length of the code before branch shrinking; useful
// as a size estimate only.
func (a *Assembler) Len() int { return len(a.code) }

// spare is room for one instruction's bytes past the end of the code
// (grown ahead), so that encoders write each byte once, straight in place,
// and the slice header is not stored back until the length is known.
func (a *Assembler) spare() *[maxInstLen]byte {
	n := len(a.code)
	if cap(a.code)-n < maxInstLen {
		a.code = slices.Grow(a.code, maxInstLen)
	}
	return (*[maxInstLen]byte)(a.code[n : n+maxInstLen])
}

// Emit appends one instruction (by the forms of emitRM and emitImm
// without a form lookup, when it has one).
func (a *Assembler) Emit(in Inst) {
	if !a.emitRM(&in) && !a.emitImm(&in) {
		a.emit(&in)
	}
}

// emit is Emit of an instruction passed by reference (an Inst is 80 bytes).
func (a *Assembler) emit(in *Inst) {
	if a.err != nil {
		return
	}
	e, err := encodeInto(a.spare(), in)
	if err != nil {
		if ee, ok := err.(*EncodeError); ok {
			ee.Offset = len(a.code)
		}
		a.fail(err)
		return
	}
	// Only a branch or call target (relAt) or a rip-relative operand
	// (ripAt: checkMem allows a label only there) can name a label.
	if (e.relAt >= 0 || e.ripAt >= 0) && !a.checkLabels(in) {
		return
	}
	start := int32(len(a.code))
	end := start + int32(e.n)
	// Records are appended zeroed and filled in place: a record built in a
	// temporary by narrow stores and copied whole stalls on store forwarding.
	if (in.Op == JMP || in.Op == JCC) && e.relAt >= 0 && in.Args[0].Kind == KindLabel {
		a.items = append(a.items, item{})
		it := &a.items[len(a.items)-1]
		it.pos, it.oldLen, it.cond = start, uint8(e.n), in.Cond&15
		it.isJcc, it.label = in.Op == JCC, in.Args[0].Target()
	} else if e.relAt >= 0 {
		target := &in.Args[0]
		a.fixups = append(a.fixups, fixup{})
		fx := &a.fixups[len(a.fixups)-1]
		fx.at, fx.items = start+int32(e.relAt), int32(len(a.items))
		if target.Kind == KindFunc {
			a.relocs = append(a.relocs, Reloc{})
			r := &a.relocs[len(a.relocs)-1]
			r.Offset, r.Func, r.Addend = int(start)+e.relAt, uint32(target.ImmValue()), -4
		} else {
			fx.end, fx.label = end, target.Target()
		}
	}
	if e.ripAt >= 0 {
		for i := 0; i < in.NumArgs(); i++ {
			if m := &in.Args[i].Mem; in.Args[i].Kind == KindMem && m.Label != 0 {
				a.fixups = append(a.fixups, fixup{})
				fx := &a.fixups[len(a.fixups)-1]
				fx.at, fx.end, fx.items = start+int32(e.ripAt), end, int32(len(a.items))
				fx.label, fx.addend = m.Label, m.Disp
			}
		}
	}
	a.code = a.code[:len(a.code)+e.n]
	if a.Listing != nil {
		a.Listing.WriteByte('\t')
		in.appendText(a.Listing)
		a.Listing.WriteByte('\n')
	}
}

// Jump appends "jmp target": Emit(Jmp(target)) without the form lookup
// and the encoder, for the branches emission places at every block's end.
func (a *Assembler) Jump(target Label) { a.branch(JMP, 0, target) }

// JumpIf appends "jcc target" for condition c: Emit(Jcc(c, target)), as
// Jump does.
func (a *Assembler) JumpIf(c Cond, target Label) { a.branch(JCC, c, target) }

// branch writes a jmp or jcc to a label in its rel32 form, the bytes
// encodeInto gives its one form (E9 cd, 0F 80+cc cd), and records it for
// relaxation as emit does. A listing, an error or a label that is not one
// of a's takes the general path, which reports it.
func (a *Assembler) branch(op Op, c Cond, target Label) {
	if a.Listing != nil || a.err != nil || target == 0 || int(target) > len(a.labels) {
		in := Jmp(target)
		if op == JCC {
			in = Jcc(c, target)
		}
		a.emit(&in)
		return
	}
	buf := a.spare()
	start := int32(len(a.code))
	n := 5
	if op == JCC {
		buf[0], buf[1] = 0x0F, 0x80+byte(c&15)
		buf[2], buf[3], buf[4], buf[5] = 0, 0, 0, 0
		n = 6
	} else {
		buf[0] = 0xE9
		buf[1], buf[2], buf[3], buf[4] = 0, 0, 0, 0
	}
	a.items = append(a.items, item{})
	it := &a.items[len(a.items)-1]
	it.pos, it.oldLen, it.cond = start, uint8(n), c&15
	it.isJcc, it.label = op == JCC, target
	a.code = a.code[:len(a.code)+n]
}

// Encodable reports whether in has an encoding: instruction selection asks
// it before folding an immediate or an address into an instruction.
func Encodable(in Inst) bool {
	f := lookup(&in)
	if f == nil {
		return false
	}
	for i := 0; i < int(f.nargs); i++ {
		if in.Args[i].Kind == KindMem && checkMem(&in.Args[i].Mem) != "" {
			return false
		}
	}
	return true
}

func (a *Assembler) checkLabels(in *Inst) bool {
	for i := 0; i < in.NumArgs(); i++ {
		o := &in.Args[i]
		l := o.Target()
		if o.Kind == KindMem {
			l = o.Mem.Label
		} else if o.Kind != KindLabel {
			continue
		}
		if l != 0 && int(l) > len(a.labels) {
			a.fail(&EncodeError{Inst: *in, Offset: len(a.code), Reason: "unknown label " + labelName(l)})
			return false
		}
	}
	return true
}

// Nop appends n bytes of no-ops, using the multi-byte nop forms (at most
// 9 bytes each) so the processor decodes few instructions.
func (a *Assembler) Nop(n int) {
	if a.err != nil || n <= 0 {
		return
	}
	a.code = appendNops(a.code, n)
	if a.Listing != nil {
		fmt.Fprintf(a.Listing, "\t.nops %d\n", n)
	}
}

var nopSeqs = [10][]byte{
	1: {0x90},
	2: {0x66, 0x90},
	3: {0x0F, 0x1F, 0x00},
	4: {0x0F, 0x1F, 0x40, 0x00},
	5: {0x0F, 0x1F, 0x44, 0x00, 0x00},
	6: {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
	7: {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
	8: {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	9: {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
}

func appendNops(b []byte, n int) []byte {
	for n > 0 {
		k := min(n, 9)
		b = append(b, nopSeqs[k]...)
		n -= k
	}
	return b
}

// Align pads with no-ops, at Finish, so the next instruction starts at a
// multiple of n (a power of two from 2 to 64), counting from the function's
// start.
func (a *Assembler) Align(n int) {
	if a.err != nil {
		return
	}
	if n < 2 || n > 64 || n&(n-1) != 0 {
		a.fail(fmt.Errorf("amd64: alignment %d is not a power of two in [2, 64]", n))
		return
	}
	a.items = append(a.items, item{pos: int32(len(a.code)), align: uint8(n)})
	if a.Listing != nil {
		fmt.Fprintf(a.Listing, "\t.p2align %d\n", bits.TrailingZeros(uint(n)))
	}
}

// ConstF32 places a float32 (its bits) in the constant pool and returns a
// RIP-relative operand for it. The slot is 16 bytes, zero-padded and 16-byte
// aligned, so it can also be read by full-width instructions (andps).
func (a *Assembler) ConstF32(bits uint32) Mem { return a.Const128(uint64(bits), 0) }

// ConstF64 places a float64 (its bits) in the constant pool.
func (a *Assembler) ConstF64(bits uint64) Mem { return a.Const128(bits, 0) }

// Const128 places a 16-byte value (low half first) in the constant pool.
// Equal values share a slot.
func (a *Assembler) Const128(lo, hi uint64) Mem {
	for _, c := range a.consts {
		if c.lo == lo && c.hi == hi {
			return Mem{Base: RIP, Label: c.label}
		}
	}
	l := a.NewLabel()
	a.labels[l-1].pool = true
	a.consts = append(a.consts, poolConst{lo: lo, hi: hi, label: l})
	return Mem{Base: RIP, Label: l}
}

// JumpTable places, after the constant pool, a table of int32 offsets of
// each target relative to the table's start, and returns the table's label.
// A br_table lowers to: lea base, [rip + table]; movsxd off, dword ptr
// [base + index*4]; add base, off; jmp base.
func (a *Assembler) JumpTable(targets []Label) Label {
	l := a.NewLabel()
	a.labels[l-1].pool = true
	start := len(a.tableTargets)
	a.tableTargets = append(a.tableTargets, targets...)
	// A later table's append may move tableTargets: this one keeps its copy.
	a.tables = append(a.tables, jumpTable{label: l, targets: a.tableTargets[start:len(a.tableTargets):len(a.tableTargets)]})
	return l
}

// LabelOffset is the offset of a bound label from the function's start; it is
// valid after a successful Finish.
func (a *Assembler) LabelOffset(l Label) (int, bool) {
	if l == 0 || int(l) > len(a.final) {
		return 0, false
	}
	return int(a.final[l-1]), true
}

// Finish lays the function out and returns its bytes and relocations.
func (a *Assembler) Finish() ([]byte, []Reloc, error) {
	if a.err != nil {
		return nil, nil, a.err
	}
	// Every label referenced from code must be bound in the code (branches
	// and calls cannot target the pool; rip-relative operands may).
	for _, it := range a.items {
		if it.align == 0 && !a.labels[it.label-1].bound {
			return nil, nil, fmt.Errorf("amd64: branch target %s is never bound", labelName(it.label))
		}
	}
	for _, fx := range a.fixups {
		if fx.label == 0 {
			continue
		}
		if p := a.labels[fx.label-1]; !p.bound && !p.pool {
			return nil, nil, fmt.Errorf("amd64: label %s used but never bound", labelName(fx.label))
		}
	}
	short := a.relax()

	// Final layout: cum[i] is how far the items before item i moved the code.
	a.cum = resize(a.cum, len(a.items)+1)
	a.pads = resize(a.pads, len(a.items))
	cum, pads := a.cum, a.pads
	cum[0] = 0
	for i, it := range a.items {
		d := int32(0)
		if it.align != 0 {
			at := it.pos + cum[i]
			pads[i] = (int32(it.align) - at%int32(it.align)) % int32(it.align)
			d = pads[i]
		} else if short[i] {
			d = 2 - int32(it.oldLen)
		}
		cum[i+1] = cum[i] + d
	}
	codeLen := int32(len(a.code)) + cum[len(a.items)]
	poolStart := (codeLen + 15) &^ 15
	tableStart := poolStart + 16*int32(len(a.consts))
	size := tableStart
	for _, t := range a.tables {
		size += 4 * int32(len(t.targets))
	}

	a.final = resize(a.final, len(a.labels))
	for i, p := range a.labels {
		a.final[i] = 0
		if p.bound {
			a.final[i] = p.pos + cum[p.items]
		}
	}
	for i, c := range a.consts {
		a.final[c.label-1] = poolStart + 16*int32(i)
	}
	at := tableStart
	for _, t := range a.tables {
		a.final[t.label-1] = at
		at += 4 * int32(len(t.targets))
	}

	out := make([]byte, 0, size)
	prev := int32(0)
	for i, it := range a.items {
		out = append(out, a.code[prev:it.pos]...)
		prev = it.pos + int32(it.oldLen)
		switch {
		case it.align != 0:
			out = appendNops(out, int(pads[i]))
		case short[i]:
			end := int32(len(out)) + 2
			d := a.final[it.label-1] - end
			if d < -128 || d > 127 {
				return nil, nil, fmt.Errorf("amd64: internal error: short branch to %s out of range", labelName(it.label))
			}
			op := byte(0xEB)
			if it.isJcc {
				op = 0x70 + byte(it.cond)
			}
			out = append(out, op, byte(int8(d)))
		default:
			out = append(out, a.code[it.pos:it.pos+int32(it.oldLen)]...)
			end := int32(len(out))
			binary.LittleEndian.PutUint32(out[end-4:], uint32(a.final[it.label-1]-end))
		}
	}
	out = append(out, a.code[prev:]...)
	for int32(len(out)) < poolStart {
		out = append(out, 0xCC) // int3: never executed, stops a runaway decode
	}
	for _, c := range a.consts {
		out = binary.LittleEndian.AppendUint64(out, c.lo)
		out = binary.LittleEndian.AppendUint64(out, c.hi)
	}
	for _, t := range a.tables {
		base := a.final[t.label-1]
		for _, target := range t.targets {
			if target == 0 || int(target) > len(a.labels) || !a.labels[target-1].bound {
				return nil, nil, fmt.Errorf("amd64: jump table target %s is not bound", labelName(target))
			}
			out = binary.LittleEndian.AppendUint32(out, uint32(a.final[target-1]-base))
		}
	}

	for _, fx := range a.fixups {
		if fx.label == 0 {
			continue // a relocation (call or tail jump), patched by the linker
		}
		at := fx.at + cum[fx.items]
		end := fx.end + cum[fx.items]
		binary.LittleEndian.PutUint32(out[at:], uint32(a.final[fx.label-1]+fx.addend-end))
	}
	var relocs []Reloc
	if len(a.relocs) > 0 {
		relocs = make([]Reloc, 0, len(a.relocs))
	}
	ri := 0
	for _, fx := range a.fixups {
		if fx.label == 0 {
			r := a.relocs[ri]
			r.Offset = int(fx.at + cum[fx.items])
			relocs = append(relocs, r)
			ri++
		}
	}
	return out, relocs, nil
}

// relax decides which branches take the rel8 form. Like GNU as, it starts
// with every branch short and lengthens those whose displacement does not
// fit, repeating until nothing changes; lengthening only moves targets away,
// so this ends with the fewest long branches. Distances are measured with
// every alignment at its largest padding, so the final (smaller or equal)
// padding can only bring targets closer: a branch found short stays in range.
func (a *Assembler) relax() []bool {
	a.short = resize(a.short, len(a.items))
	short := a.short
	if a.LongBranches {
		return fillSlice(short, false)
	}
	for i, it := range a.items {
		short[i] = it.align == 0
	}
	a.cum = resize(a.cum, len(a.items)+1)
	cum := a.cum
	cum[0] = 0
	for changed := true; changed; {
		changed = false
		for i, it := range a.items {
			d := int32(0)
			if it.align != 0 {
				d = int32(it.align) - 1
			} else if short[i] {
				d = 2 - int32(it.oldLen)
			}
			cum[i+1] = cum[i] + d
		}
		for i, it := range a.items {
			if !short[i] {
				continue
			}
			p := a.labels[it.label-1]
			target := p.pos + cum[p.items]
			if d := target - (it.pos + cum[i] + 2); d < -128 || d > 127 {
				short[i] = false
				changed = true
			}
		}
	}
	return short
}
