package amd64

// Reg is a physical register: a general-purpose register or an XMM register.
// The zero value, NoReg, means "absent" (a memory operand without index, for
// example), so Mem literals can leave fields out.
type Reg uint8

// The registers, in hardware-number order within each class.
const (
	NoReg Reg = iota
	RAX
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
	XMM0
	XMM1
	XMM2
	XMM3
	XMM4
	XMM5
	XMM6
	XMM7
	XMM8
	XMM9
	XMM10
	XMM11
	XMM12
	XMM13
	XMM14
	XMM15
	// RIP is valid only as the base of a memory operand (RIP-relative
	// addressing, used for the constant pool).
	RIP
	numRegs
)

// IsGPR reports whether r is one of RAX..R15.
func (r Reg) IsGPR() bool { return r >= RAX && r <= R15 }

// IsXMM reports whether r is one of XMM0..XMM15.
func (r Reg) IsXMM() bool { return r >= XMM0 && r <= XMM15 }

// num is the 4-bit hardware number (REX extension bit plus 3 ModRM bits),
// 0 for a register that has none: read from a table, as the encoders ask
// it for every register they place.
func (r Reg) num() byte { return regNums[r] }

// regNums are the registers' hardware numbers, by Reg (every uint8).
var regNums = func() (t [256]byte) {
	for r := RAX; r <= R15; r++ {
		t[r] = byte(r - RAX)
	}
	for r := XMM0; r <= XMM15; r++ {
		t[r] = byte(r - XMM0)
	}
	return t
}()

// low3 and high are the ModRM/SIB field and the REX extension bit.
func (r Reg) low3() byte { return r.num() & 7 }
func (r Reg) high() byte { return r.num() >> 3 }

var gprNames = [4][16]string{
	{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"},
	{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"},
	{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"},
	{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"},
}

var xmmNames = [16]string{
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
}

// ymmNames are the 256-bit views of the XMM registers (VEX.256 forms).
var ymmNames = [16]string{
	"ymm0", "ymm1", "ymm2", "ymm3", "ymm4", "ymm5", "ymm6", "ymm7",
	"ymm8", "ymm9", "ymm10", "ymm11", "ymm12", "ymm13", "ymm14", "ymm15",
}

// String is the 64-bit name of a general-purpose register, the name of an
// XMM register, or "rip".
func (r Reg) String() string { return r.Name(S64) }

// Name is the register's name when it is used at the given width: Name(S32)
// of RAX is "eax", of R8 "r8d"; Name(S8) of RSI is "sil". XMM registers are
// named xmm at every width but S256, where they are ymm.
func (r Reg) Name(size Size) string {
	switch {
	case r.IsGPR():
		i := 3
		switch size {
		case S8:
			i = 0
		case S16:
			i = 1
		case S32:
			i = 2
		}
		return gprNames[i][r.num()]
	case r.IsXMM() && size == S256:
		return ymmNames[r.num()]
	case r.IsXMM():
		return xmmNames[r.num()]
	case r == RIP:
		return "rip"
	case r == NoReg:
		return "noreg"
	}
	return "badreg"
}

// Size is an operand width in bytes. For general-purpose instructions it is
// the Inst's operand size (it selects 8-bit opcodes, the 0x66 prefix or
// REX.W); instructions that only touch XMM registers ignore it.
type Size uint8

// The operand sizes.
const (
	S8   Size = 1
	S16  Size = 2
	S32  Size = 4
	S64  Size = 8
	S128 Size = 16
	S256 Size = 32 // ymm: only the VEX.256 moves
)

// sizeUnsized marks a memory operand that has no width (lea's address, the
// target of a multi-byte nop); the printer then omits "ptr".
const sizeUnsized Size = 255

// Bits is the width in bits.
func (s Size) Bits() int { return int(s) * 8 }

func (s Size) ptrName() string {
	switch s {
	case S8:
		return "byte ptr "
	case S16:
		return "word ptr "
	case S32:
		return "dword ptr "
	case S64:
		return "qword ptr "
	case S128:
		return "xmmword ptr "
	case S256:
		return "ymmword ptr "
	}
	return ""
}

// Cond is an x86 condition code, the low nibble of jcc, setcc and cmovcc.
type Cond uint8

// The conditions. B/AE/BE/A are the unsigned orders, L/GE/LE/G the signed
// ones; after ucomiss/ucomisd, P means "unordered".
const (
	CondO  Cond = 0x0
	CondNO Cond = 0x1
	CondB  Cond = 0x2 // below (unsigned <), carry
	CondAE Cond = 0x3 // above or equal (unsigned >=), no carry
	CondE  Cond = 0x4 // equal, zero
	CondNE Cond = 0x5
	CondBE Cond = 0x6 // unsigned <=
	CondA  Cond = 0x7 // unsigned >
	CondS  Cond = 0x8
	CondNS Cond = 0x9
	CondP  Cond = 0xA // parity (unordered after ucomis*)
	CondNP Cond = 0xB
	CondL  Cond = 0xC // signed <
	CondGE Cond = 0xD
	CondLE Cond = 0xE
	CondG  Cond = 0xF
)

var condNames = [16]string{"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"}

// String is the suffix used in mnemonics: "e", "ne", "l", ...
func (c Cond) String() string { return condNames[c&15] }

// Invert is the opposite condition (E ↔ NE, L ↔ GE, ...).
func (c Cond) Invert() Cond { return (c & 15) ^ 1 }
