package amd64

import "sync/atomic"

// lookup finds the first form of in.Op that accepts in. Each operand is
// classified once (operandClassOf: which arg kinds accept it), so trying a form
// is a few bit tests instead of a switch per operand, and the answer for
// an op, size and operand classes is remembered in formCache, so most
// lookups try no form at all.
func lookup(in *Inst) *form {
	if in.Op >= numOps {
		return nil
	}
	if in.Arg4.Kind != KindNone {
		return lookupSlow(in) // 4-operand VEX forms: rare enough
	}
	var cls [3]operandClass // classNone past the operands
	n := 0
	// The operands up to the first KindNone, unrolled: a loop's bounds
	// and exit tests cost as much as classifying.
	if args := &in.Args; args[0].Kind != KindNone {
		cls[0], n = operandClassOf(&args[0], in.Size), 1
		if args[1].Kind != KindNone {
			cls[1], n = operandClassOf(&args[1], in.Size), 2
			if args[2].Kind != KindNone {
				cls[2], n = operandClassOf(&args[2], in.Size), 3
			}
		}
	}
	sb := sizeBit(in.Size)
	key := uint64(in.Op)<<32 | uint64(sb)<<24 | uint64(cls[0])<<16 | uint64(cls[1])<<8 | uint64(cls[2])
	slot := &formCache[key*0x9E3779B97F4A7C15>>(64-formCacheBits)]
	if e := slot.Load(); e>>8 == key && e&0xff != 0 {
		return &formsByOp[in.Op][e&0xff-1]
	}
	m0, m1, m2 := classMasks[cls[0]], classMasks[cls[1]], classMasks[cls[2]]
	forms := formsByOp[in.Op]
	for i := range forms {
		f := &forms[i]
		if f.sizes&sb != 0 && int(f.nargs) == n && m0&(1<<f.args[0]) != 0 &&
			m1&(1<<f.args[1]) != 0 && m2&(1<<f.args[2]) != 0 {
			if i < 0xff {
				slot.Store(key<<8 | uint64(i+1))
			}
			return f
		}
	}
	return nil
}

// formCacheBits is the log2 of formCache's entries: a compile uses a few
// hundred distinct keys.
const formCacheBits = 12

// formCache remembers lookup's answers, shared by every goroutine: entry
// key<<8 | 1+i says that form i of the key's op accepts the key's
// instructions (0: empty). Entries are single words read and written
// atomically, so an entry is either whole or absent; a key that loses its
// slot to another only costs the next lookup the walk over the forms.
var formCache [1 << formCacheBits]atomic.Uint64

// operandClass is the set of arg kinds accepting an operand (operandMask)
// as a small number: an operand is a register of one of a few kinds,
// memory, a label, a function or an immediate, and an immediate is told
// apart only by the ranges it fits.
type operandClass uint8

const (
	classNone    operandClass = iota // no operand: the slots past the last
	classNothing                     // accepted by no kind
	classGPR
	classRAX
	classRCX
	classXMM
	classXMM0
	classMem
	classLabel
	classFunc
	// classImm plus the immFits bits: an immediate.
	classImm
	numClasses = classImm + 32
)

// The ranges an immediate fits, added to classImm.
const (
	fitsImm8 = 1 << iota // a signed byte at the operand size
	fitsImm              // 32 signed bits at the operand size
	fitsU8               // -128..255 as given
	fitsU16              // 0..0xffff as given
	fitsOne              // the value 1
)

// classMasks[c] are the arg kinds that accept an operand of class c.
var classMasks = func() (m [numClasses]argMask) {
	m[classNone] = 1 << argNone
	m[classGPR] = 1<<argR | 1<<argRM
	m[classRAX] = m[classGPR] | 1<<argAcc
	m[classRCX] = m[classGPR] | 1<<argCL
	m[classXMM] = 1<<argX | 1<<argXM
	m[classXMM0] = m[classXMM] | 1<<argXMM0
	m[classMem] = 1<<argRM | 1<<argXM | 1<<argM
	m[classLabel] = 1 << argLabel
	m[classFunc] = 1 << argFunc
	for fits := range 32 {
		k := argMask(1 << argImm64)
		for bit, kind := range [...]argKind{argImm8, argImm, argU8, argU16, argOne} {
			if fits&(1<<bit) != 0 {
				k |= 1 << kind
			}
		}
		m[classImm+operandClass(fits)] = k
	}
	return m
}()

// operandMask is the set of arg kinds that accept o at operand size size:
// the argKind.accepts relation, computed for all kinds at once.
func operandMask(o *Operand, size Size) argMask { return classMasks[operandClassOf(o, size)] }

// operandClassOf is the class of o at operand size size. Registers and
// memory, most operands, take a table lookup or less (inlined into lookup).
func operandClassOf(o *Operand, size Size) operandClass {
	switch o.Kind {
	case KindReg:
		return regClasses[o.Reg]
	case KindMem:
		return classMem
	}
	return otherClassOf(o, size)
}

// regClasses[r] is the class of register operand r.
var regClasses = func() (c [256]operandClass) {
	for i := range c {
		r := Reg(i)
		switch {
		case r == RAX:
			c[i] = classRAX
		case r == RCX:
			c[i] = classRCX
		case r.IsGPR():
			c[i] = classGPR
		case r == XMM0:
			c[i] = classXMM0
		case r.IsXMM():
			c[i] = classXMM
		default:
			c[i] = classNothing
		}
	}
	return c
}()

// otherClassOf is operandClassOf for immediates, labels and functions.
func otherClassOf(o *Operand, size Size) operandClass {
	switch o.Kind {
	case KindImm:
		fits := operandClass(0)
		if v, ok := truncImm(o, size); ok {
			if v >= -128 && v <= 127 {
				fits |= fitsImm8
			}
			if v >= -1<<31 && v < 1<<31 {
				fits |= fitsImm
			}
		}
		imm := o.ImmValue()
		if imm >= -128 && imm <= 255 {
			fits |= fitsU8
		}
		if imm >= 0 && imm <= 0xffff {
			fits |= fitsU16
		}
		if imm == 1 {
			fits |= fitsOne
		}
		return classImm + fits
	case KindLabel:
		if o.Target() != 0 {
			return classLabel
		}
	case KindFunc:
		if f := o.ImmValue(); f >= 0 && f <= 1<<32-1 {
			return classFunc
		}
	}
	return classNothing
}
