// Package amd64 is the x86-64 end of moat's compiler: it turns machine
// instructions into bytes.
//
// It stands after instruction selection (amd64 lowering rules, to come in
// this package) and register allocation (the target-neutral internal/backend,
// which this package builds on) and before linking: the
// lowering code describes each instruction as an Inst (an opcode, an operand
// size, a condition and up to three operands in Intel order, destination
// first) and hands it to an Assembler, which appends the encoding to one
// function's code, binds labels, resolves branch displacements, records
// relocations for calls to other functions and lays out a constant pool at the
// end of the function.
//
// The encoding is table driven: every instruction form is one row (operand
// pattern, mandatory prefix, opcode bytes, ModRM extension, REX.W rule,
// immediate width; see encode_table_*.go) in the notation of the Intel manual,
// and one generic routine emits prefixes, REX, opcode, ModRM, SIB,
// displacement and immediate for all of them. Adding an instruction family
// means adding rows.
//
// Typical use:
//
//	var a amd64.Assembler
//	loop := a.Mark()
//	a.Emit(amd64.I(amd64.ADD, amd64.S32, amd64.R(amd64.RAX), amd64.M(amd64.Mem{Base: amd64.RDI, Index: amd64.RCX, Scale: 4})))
//	a.Emit(amd64.I(amd64.SUB, amd64.S64, amd64.R(amd64.RCX), amd64.Imm(1)))
//	a.Emit(amd64.Jcc(amd64.CondNE, loop))
//	a.Emit(amd64.I(amd64.CALL, 0, amd64.Func(3))) // a Reloc for the linker
//	code, relocs, err := a.Finish()
//
// Encodable tells instruction selection whether a folded form (an immediate,
// an address) exists before it commits to it; Assembler.Listing records the
// function as text for golden tests of the back end.
//
// Guarantees: encoding never panics, whatever the Inst; an instruction no row
// accepts (wrong operand kinds, sizes, out-of-range immediates, RSP as an
// index) is reported as an *EncodeError. Registers are physical registers only.
// Every Inst prints in the Intel syntax GNU as accepts (with -mnaked-reg), and
// the golden test checks text and bytes against GNU as when it is installed.
// Nothing here depends on the host operating system.
package amd64
