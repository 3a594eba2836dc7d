package interp

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// run executes entry, whose parameters are in m.stack[0:], until it returns
// (results in m.stack[0:]) or traps. wasm→wasm calls stay inside this loop.
func (m *machine) run(entry *boundFunc) abi.TrapCode {
	var (
		bf      = entry
		st      = bf.st
		code    = bf.code.instrs
		fp      = 0
		regs    = m.stack
		pc      = 0
		mem     = st.mem.Bytes
		globals = st.globals
		intr    = &m.intr
		tc      abi.TrapCode
		// left counts the polls of the current grant down (poll.go): one
		// at every function entry and every loop header reached.
		left = m.meter.Grant(m.pacer.Current())
		// returnPolls: without fuel, a return to a caller polls too.
		returnPolls = !m.meter.Metered()
	)
	clear(regs[bf.code.paramSlots:bf.code.localSlots])
	left-- // the entry's poll
	if left < 0 || intr.Load()&interruptBit != 0 {
		if tc = m.poll(&left); tc != abi.TrapNone {
			pc = 0 // reported at the function's start, as compiled code does (offsetAt)
			goto trap
		}
	}

dispatch:
	for {
		in := &code[pc]
		pc++
		switch in.op {
		case opUnreachable:
			tc = abi.TrapUnreachable
			goto trap
		case opBr:
			goto taken
		case opBrIf:
			if uint32(regs[in.b]) != 0 {
				goto taken
			}
		case opBrIfNot:
			if uint32(regs[in.b]) == 0 {
				goto taken
			}
		case opBrTable:
			i := uint64(uint32(regs[in.b]))
			if n := uint64(in.c) - 1; i > n {
				i = n
			}
			target := int(bf.code.brTables[in.imm+i])
			if target < pc { // back to a loop header
				pc = target // a trap is reported at the loop (target-1 is its opLoopEntry)
				left--
				if left < 0 || intr.Load()&interruptBit != 0 {
					if tc = m.poll(&left); tc != abi.TrapNone {
						goto trap
					}
				}
			}
			pc = target
		case opReturn:
			n := len(m.frames) - 1
			if n < 0 {
				m.meter.Settle(left)
				return abi.TrapNone
			}
			// popFrame, written out: run is too large for the
			// compiler to inline calls into it.
			fr := &m.frames[n]
			if fr.cross {
				st = m.popCallerState()
			}
			bf, pc, fp = st.bound[fr.fn], fr.pc, fr.fp
			m.frames = m.frames[:n]
			code = bf.code.instrs
			regs = m.stack[fp:]
			st = bf.st
			mem = st.mem.Bytes
			globals = st.globals
			if returnPolls {
				left--
				if left < 0 || intr.Load()&interruptBit != 0 {
					if tc = m.poll(&left); tc != abi.TrapNone {
						goto trap
					}
				}
			}
		case opLoopEntry:
			left--
			if left < 0 || intr.Load()&interruptBit != 0 {
				if tc = m.poll(&left); tc != abi.TrapNone {
					goto trap
				}
			}
		case opCall, opCallIndirect, opCallRef:
			var callee *boundFunc
			if in.op == opCall {
				callee = st.bound[in.b]
				if callee == nil {
					if tc = m.callOtherPolled(st, st.funcs[in.b], fp+int(in.a), &left); tc != abi.TrapNone {
						goto callFailed
					}
					regs = m.stack[fp:]
					mem = st.mem.Bytes
					continue
				}
			} else {
				f, rc := m.resolveCallee(st, in, regs)
				if rc != abi.TrapNone {
					tc = rc
					goto trap
				}
				c, ok := f.Code.(*boundFunc)
				if !ok || f.Host != nil {
					if tc = m.callOtherPolled(st, f, fp+int(in.a), &left); tc != abi.TrapNone {
						goto callFailed
					}
					regs = m.stack[fp:]
					mem = st.mem.Bytes
					continue
				}
				callee = c
			}
			if len(m.frames) >= m.maxFrames {
				tc = abi.TrapStackExhausted
				goto trap
			}
			nfp := fp + int(in.a)
			cc := callee.code
			need := nfp + cc.frameSize
			if !m.fits(need, len(m.frames)+2) {
				tc = abi.TrapStackExhausted
				goto trap
			}
			if need > len(m.stack) {
				m.grow(need)
			}
			if len(m.frames) == cap(m.frames) {
				m.growFrames()
			}
			// Suspend the caller; its instance goes on callerStates
			// when the callee's is another (see frame).
			cross := callee.st != st
			if cross {
				m.callerStates = append(m.callerStates, st)
			}
			m.frames = append(m.frames, frame{fn: bf.idx, cross: cross, pc: pc, fp: fp})
			bf, fp, pc, code = callee, nfp, 0, cc.instrs
			regs = m.stack[fp:]
			if cc.paramSlots < cc.localSlots {
				clear(regs[cc.paramSlots:cc.localSlots])
			}
			if callee.st != st {
				st = callee.st
				mem = st.mem.Bytes
				globals = st.globals
			}
			left-- // the callee's entry poll
			if left < 0 || intr.Load()&interruptBit != 0 {
				if tc = m.poll(&left); tc != abi.TrapNone {
					pc = 0 // at the callee's start, as compiled code reports it (offsetAt)
					goto trap
				}
			}

		case opReturnCall, opReturnCallIndirect, opReturnCallRef:
			callee, f, rc := m.tailCallee(st, in, regs)
			if rc != abi.TrapNone {
				tc = rc
				goto trap
			}
			if callee == nil {
				// A host callee (or another engine's) runs as an ordinary
				// call; its results then leave as this function's.
				if tc = m.callOtherPolled(st, f, fp+int(in.a), &left); tc != abi.TrapNone {
					goto callFailed
				}
				regs = m.stack[fp:]
				copy(regs, regs[in.a:int(in.a)+f.Type.ResultSlots()])
				goto returning
			}
			// The callee takes over this frame: its arguments move down to
			// the frame base, and the caller's frame record stays as it is.
			cc := callee.code
			need := fp + cc.frameSize
			if !m.fits(need, len(m.frames)+1) {
				tc = abi.TrapStackExhausted
				goto trap
			}
			if need > len(m.stack) {
				m.grow(need)
			}
			regs = m.stack[fp:]
			copy(regs[:cc.paramSlots], regs[in.a:int(in.a)+cc.paramSlots])
			bf, pc, code = callee, 0, cc.instrs
			if cc.paramSlots < cc.localSlots {
				clear(regs[cc.paramSlots:cc.localSlots])
			}
			if callee.st != st {
				m.tailCallInto(st, callee.st)
				st = callee.st
				mem = st.mem.Bytes
				globals = st.globals
			}
			left-- // the callee's entry poll
			if left < 0 || intr.Load()&interruptBit != 0 {
				if tc = m.poll(&left); tc != abi.TrapNone {
					pc = 0 // at the callee's start, as compiled code reports it (offsetAt)
					goto trap
				}
			}
		case opThrow:
			m.exn, m.exnOwned = m.newException(st, in, regs), true
			goto throwing
		case opThrowRef:
			m.exnOwned = false
			if m.exn = st.store.Exn(regs[in.b]); m.exn == nil {
				tc = abi.TrapNullExceptionReference
				goto trap
			}
			goto throwing

		case opCopy:
			regs[in.a] = regs[in.b]
		case opCopy128:
			lo, hi := regs[in.b], regs[in.b+1]
			regs[in.a], regs[in.a+1] = lo, hi
		case opConst:
			regs[in.a] = in.imm
		case opSelect:
			if uint32(regs[in.imm]) != 0 {
				regs[in.a] = regs[in.b]
			} else {
				regs[in.a] = regs[in.c]
			}
		case opSelect128:
			src := in.c
			if uint32(regs[in.imm]) != 0 {
				src = in.b
			}
			lo, hi := regs[src], regs[src+1]
			regs[in.a], regs[in.a+1] = lo, hi
		case opGlobalGet:
			regs[in.a] = globals[in.b].Lo
		case opGlobalGet128:
			g := globals[in.b]
			regs[in.a], regs[in.a+1] = g.Lo, g.Hi
		case opGlobalSet:
			globals[in.b].Lo = regs[in.c]
		case opGlobalSet128:
			g := globals[in.b]
			g.Lo, g.Hi = regs[in.c], regs[in.c+1]

		// Fused compare and branch.
		case opBrIfEq32:
			if uint32(regs[in.b]) == uint32(regs[in.c]) {
				goto taken
			}
		case opBrIfNe32:
			if uint32(regs[in.b]) != uint32(regs[in.c]) {
				goto taken
			}
		case opBrIfLtS32:
			if int32(regs[in.b]) < int32(regs[in.c]) {
				goto taken
			}
		case opBrIfLtU32:
			if uint32(regs[in.b]) < uint32(regs[in.c]) {
				goto taken
			}
		case opBrIfGtS32:
			if int32(regs[in.b]) > int32(regs[in.c]) {
				goto taken
			}
		case opBrIfGtU32:
			if uint32(regs[in.b]) > uint32(regs[in.c]) {
				goto taken
			}
		case opBrIfLeS32:
			if int32(regs[in.b]) <= int32(regs[in.c]) {
				goto taken
			}
		case opBrIfLeU32:
			if uint32(regs[in.b]) <= uint32(regs[in.c]) {
				goto taken
			}
		case opBrIfGeS32:
			if int32(regs[in.b]) >= int32(regs[in.c]) {
				goto taken
			}
		case opBrIfGeU32:
			if uint32(regs[in.b]) >= uint32(regs[in.c]) {
				goto taken
			}
		case opBrIfEq32Imm:
			if uint32(regs[in.b]) == uint32(in.imm) {
				goto taken
			}
		case opBrIfNe32Imm:
			if uint32(regs[in.b]) != uint32(in.imm) {
				goto taken
			}
		case opBrIfLtS32Imm:
			if int32(regs[in.b]) < int32(in.imm) {
				goto taken
			}
		case opBrIfLtU32Imm:
			if uint32(regs[in.b]) < uint32(in.imm) {
				goto taken
			}
		case opBrIfGtS32Imm:
			if int32(regs[in.b]) > int32(in.imm) {
				goto taken
			}
		case opBrIfGtU32Imm:
			if uint32(regs[in.b]) > uint32(in.imm) {
				goto taken
			}
		case opBrIfLeS32Imm:
			if int32(regs[in.b]) <= int32(in.imm) {
				goto taken
			}
		case opBrIfLeU32Imm:
			if uint32(regs[in.b]) <= uint32(in.imm) {
				goto taken
			}
		case opBrIfGeS32Imm:
			if int32(regs[in.b]) >= int32(in.imm) {
				goto taken
			}
		case opBrIfGeU32Imm:
			if uint32(regs[in.b]) >= uint32(in.imm) {
				goto taken
			}
		case opBrIfEq64:
			if regs[in.b] == regs[in.c] {
				goto taken
			}
		case opBrIfNe64:
			if regs[in.b] != regs[in.c] {
				goto taken
			}
		case opBrIfLtS64:
			if int64(regs[in.b]) < int64(regs[in.c]) {
				goto taken
			}
		case opBrIfLtU64:
			if regs[in.b] < regs[in.c] {
				goto taken
			}
		case opBrIfGtS64:
			if int64(regs[in.b]) > int64(regs[in.c]) {
				goto taken
			}
		case opBrIfGtU64:
			if regs[in.b] > regs[in.c] {
				goto taken
			}
		case opBrIfLeS64:
			if int64(regs[in.b]) <= int64(regs[in.c]) {
				goto taken
			}
		case opBrIfLeU64:
			if regs[in.b] <= regs[in.c] {
				goto taken
			}
		case opBrIfGeS64:
			if int64(regs[in.b]) >= int64(regs[in.c]) {
				goto taken
			}
		case opBrIfGeU64:
			if regs[in.b] >= regs[in.c] {
				goto taken
			}
		case opBrIfEq64Imm:
			if regs[in.b] == in.imm {
				goto taken
			}
		case opBrIfNe64Imm:
			if regs[in.b] != in.imm {
				goto taken
			}
		case opBrIfLtS64Imm:
			if int64(regs[in.b]) < int64(in.imm) {
				goto taken
			}
		case opBrIfLtU64Imm:
			if regs[in.b] < in.imm {
				goto taken
			}
		case opBrIfGtS64Imm:
			if int64(regs[in.b]) > int64(in.imm) {
				goto taken
			}
		case opBrIfGtU64Imm:
			if regs[in.b] > in.imm {
				goto taken
			}
		case opBrIfLeS64Imm:
			if int64(regs[in.b]) <= int64(in.imm) {
				goto taken
			}
		case opBrIfLeU64Imm:
			if regs[in.b] <= in.imm {
				goto taken
			}
		case opBrIfGeS64Imm:
			if int64(regs[in.b]) >= int64(in.imm) {
				goto taken
			}
		case opBrIfGeU64Imm:
			if regs[in.b] >= in.imm {
				goto taken
			}

		// i32 compares.
		case opI32Eq:
			regs[in.a] = b2u(uint32(regs[in.b]) == uint32(regs[in.c]))
		case opI32Ne:
			regs[in.a] = b2u(uint32(regs[in.b]) != uint32(regs[in.c]))
		case opI32LtS:
			regs[in.a] = b2u(int32(regs[in.b]) < int32(regs[in.c]))
		case opI32LtU:
			regs[in.a] = b2u(uint32(regs[in.b]) < uint32(regs[in.c]))
		case opI32GtS:
			regs[in.a] = b2u(int32(regs[in.b]) > int32(regs[in.c]))
		case opI32GtU:
			regs[in.a] = b2u(uint32(regs[in.b]) > uint32(regs[in.c]))
		case opI32LeS:
			regs[in.a] = b2u(int32(regs[in.b]) <= int32(regs[in.c]))
		case opI32LeU:
			regs[in.a] = b2u(uint32(regs[in.b]) <= uint32(regs[in.c]))
		case opI32GeS:
			regs[in.a] = b2u(int32(regs[in.b]) >= int32(regs[in.c]))
		case opI32GeU:
			regs[in.a] = b2u(uint32(regs[in.b]) >= uint32(regs[in.c]))
		case opI32EqImm:
			regs[in.a] = b2u(uint32(regs[in.b]) == uint32(in.imm))
		case opI32NeImm:
			regs[in.a] = b2u(uint32(regs[in.b]) != uint32(in.imm))
		case opI32LtSImm:
			regs[in.a] = b2u(int32(regs[in.b]) < int32(in.imm))
		case opI32LtUImm:
			regs[in.a] = b2u(uint32(regs[in.b]) < uint32(in.imm))
		case opI32GtSImm:
			regs[in.a] = b2u(int32(regs[in.b]) > int32(in.imm))
		case opI32GtUImm:
			regs[in.a] = b2u(uint32(regs[in.b]) > uint32(in.imm))
		case opI32LeSImm:
			regs[in.a] = b2u(int32(regs[in.b]) <= int32(in.imm))
		case opI32LeUImm:
			regs[in.a] = b2u(uint32(regs[in.b]) <= uint32(in.imm))
		case opI32GeSImm:
			regs[in.a] = b2u(int32(regs[in.b]) >= int32(in.imm))
		case opI32GeUImm:
			regs[in.a] = b2u(uint32(regs[in.b]) >= uint32(in.imm))

		// i64 compares.
		case opI64Eq:
			regs[in.a] = b2u(regs[in.b] == regs[in.c])
		case opI64Ne:
			regs[in.a] = b2u(regs[in.b] != regs[in.c])
		case opI64LtS:
			regs[in.a] = b2u(int64(regs[in.b]) < int64(regs[in.c]))
		case opI64LtU:
			regs[in.a] = b2u(regs[in.b] < regs[in.c])
		case opI64GtS:
			regs[in.a] = b2u(int64(regs[in.b]) > int64(regs[in.c]))
		case opI64GtU:
			regs[in.a] = b2u(regs[in.b] > regs[in.c])
		case opI64LeS:
			regs[in.a] = b2u(int64(regs[in.b]) <= int64(regs[in.c]))
		case opI64LeU:
			regs[in.a] = b2u(regs[in.b] <= regs[in.c])
		case opI64GeS:
			regs[in.a] = b2u(int64(regs[in.b]) >= int64(regs[in.c]))
		case opI64GeU:
			regs[in.a] = b2u(regs[in.b] >= regs[in.c])
		case opI64EqImm:
			regs[in.a] = b2u(regs[in.b] == in.imm)
		case opI64NeImm:
			regs[in.a] = b2u(regs[in.b] != in.imm)
		case opI64LtSImm:
			regs[in.a] = b2u(int64(regs[in.b]) < int64(in.imm))
		case opI64LtUImm:
			regs[in.a] = b2u(regs[in.b] < in.imm)
		case opI64GtSImm:
			regs[in.a] = b2u(int64(regs[in.b]) > int64(in.imm))
		case opI64GtUImm:
			regs[in.a] = b2u(regs[in.b] > in.imm)
		case opI64LeSImm:
			regs[in.a] = b2u(int64(regs[in.b]) <= int64(in.imm))
		case opI64LeUImm:
			regs[in.a] = b2u(regs[in.b] <= in.imm)
		case opI64GeSImm:
			regs[in.a] = b2u(int64(regs[in.b]) >= int64(in.imm))
		case opI64GeUImm:
			regs[in.a] = b2u(regs[in.b] >= in.imm)

		// i32 arithmetic.
		case opI32Eqz:
			regs[in.a] = b2u(uint32(regs[in.b]) == 0)
		case opI32Add:
			regs[in.a] = uint64(uint32(regs[in.b]) + uint32(regs[in.c]))
		case opI32Sub:
			regs[in.a] = uint64(uint32(regs[in.b]) - uint32(regs[in.c]))
		case opI32Mul:
			regs[in.a] = uint64(uint32(regs[in.b]) * uint32(regs[in.c]))
		case opI32DivS:
			x, y := int32(regs[in.b]), int32(regs[in.c])
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			if y == -1 && x == math.MinInt32 {
				tc = abi.TrapIntegerOverflow
				goto trap
			}
			regs[in.a] = uint64(uint32(x / y))
		case opI32DivU:
			x, y := uint32(regs[in.b]), uint32(regs[in.c])
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			regs[in.a] = uint64(x / y)
		case opI32RemS:
			x, y := int32(regs[in.b]), int32(regs[in.c])
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			if y == -1 {
				regs[in.a] = 0
			} else {
				regs[in.a] = uint64(uint32(x % y))
			}
		case opI32RemU:
			x, y := uint32(regs[in.b]), uint32(regs[in.c])
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			regs[in.a] = uint64(x % y)
		case opI32And:
			regs[in.a] = regs[in.b] & regs[in.c]
		case opI32Or:
			regs[in.a] = regs[in.b] | regs[in.c]
		case opI32Xor:
			regs[in.a] = regs[in.b] ^ regs[in.c]
		case opI32Shl:
			regs[in.a] = uint64(uint32(regs[in.b]) << (regs[in.c] & 31))
		case opI32ShrS:
			regs[in.a] = uint64(uint32(int32(regs[in.b]) >> (regs[in.c] & 31)))
		case opI32ShrU:
			regs[in.a] = uint64(uint32(regs[in.b]) >> (regs[in.c] & 31))
		case opI32Rotl:
			regs[in.a] = uint64(bits.RotateLeft32(uint32(regs[in.b]), int(regs[in.c]&31)))
		case opI32Rotr:
			regs[in.a] = uint64(bits.RotateLeft32(uint32(regs[in.b]), -int(regs[in.c]&31)))
		case opI32AddImm:
			regs[in.a] = uint64(uint32(regs[in.b]) + uint32(in.imm))
		case opI32SubImm:
			regs[in.a] = uint64(uint32(regs[in.b]) - uint32(in.imm))
		case opI32MulImm:
			regs[in.a] = uint64(uint32(regs[in.b]) * uint32(in.imm))
		case opI32AndImm:
			regs[in.a] = regs[in.b] & uint64(uint32(in.imm))
		case opI32OrImm:
			regs[in.a] = uint64(uint32(regs[in.b]) | uint32(in.imm))
		case opI32XorImm:
			regs[in.a] = uint64(uint32(regs[in.b]) ^ uint32(in.imm))
		case opI32ShlImm:
			regs[in.a] = uint64(uint32(regs[in.b]) << (in.imm & 31))
		case opI32ShrSImm:
			regs[in.a] = uint64(uint32(int32(regs[in.b]) >> (in.imm & 31)))
		case opI32ShrUImm:
			regs[in.a] = uint64(uint32(regs[in.b]) >> (in.imm & 31))
		case opI32Clz:
			regs[in.a] = uint64(bits.LeadingZeros32(uint32(regs[in.b])))
		case opI32Ctz:
			regs[in.a] = uint64(bits.TrailingZeros32(uint32(regs[in.b])))
		case opI32Popcnt:
			regs[in.a] = uint64(bits.OnesCount32(uint32(regs[in.b])))
		case opI32Extend8S:
			regs[in.a] = uint64(uint32(int32(int8(regs[in.b]))))
		case opI32Extend16S:
			regs[in.a] = uint64(uint32(int32(int16(regs[in.b]))))
		case opI32WrapI64:
			regs[in.a] = uint64(uint32(regs[in.b]))

		// i64 arithmetic.
		case opI64Eqz:
			regs[in.a] = b2u(regs[in.b] == 0)
		case opI64Add:
			regs[in.a] = regs[in.b] + regs[in.c]
		case opI64Sub:
			regs[in.a] = regs[in.b] - regs[in.c]
		case opI64Mul:
			regs[in.a] = regs[in.b] * regs[in.c]
		case opI64DivS:
			x, y := int64(regs[in.b]), int64(regs[in.c])
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			if y == -1 && x == math.MinInt64 {
				tc = abi.TrapIntegerOverflow
				goto trap
			}
			regs[in.a] = uint64(x / y)
		case opI64DivU:
			x, y := regs[in.b], regs[in.c]
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			regs[in.a] = x / y
		case opI64RemS:
			x, y := int64(regs[in.b]), int64(regs[in.c])
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			if y == -1 {
				regs[in.a] = 0
			} else {
				regs[in.a] = uint64(x % y)
			}
		case opI64RemU:
			x, y := regs[in.b], regs[in.c]
			if y == 0 {
				tc = abi.TrapIntegerDivideByZero
				goto trap
			}
			regs[in.a] = x % y
		case opI64And:
			regs[in.a] = regs[in.b] & regs[in.c]
		case opI64Or:
			regs[in.a] = regs[in.b] | regs[in.c]
		case opI64Xor:
			regs[in.a] = regs[in.b] ^ regs[in.c]
		case opI64Shl:
			regs[in.a] = regs[in.b] << (regs[in.c] & 63)
		case opI64ShrS:
			regs[in.a] = uint64(int64(regs[in.b]) >> (regs[in.c] & 63))
		case opI64ShrU:
			regs[in.a] = regs[in.b] >> (regs[in.c] & 63)
		case opI64Rotl:
			regs[in.a] = bits.RotateLeft64(regs[in.b], int(regs[in.c]&63))
		case opI64Rotr:
			regs[in.a] = bits.RotateLeft64(regs[in.b], -int(regs[in.c]&63))
		case opI64AddImm:
			regs[in.a] = regs[in.b] + in.imm
		case opI64SubImm:
			regs[in.a] = regs[in.b] - in.imm
		case opI64MulImm:
			regs[in.a] = regs[in.b] * in.imm
		case opI64AndImm:
			regs[in.a] = regs[in.b] & in.imm
		case opI64OrImm:
			regs[in.a] = regs[in.b] | in.imm
		case opI64XorImm:
			regs[in.a] = regs[in.b] ^ in.imm
		case opI64ShlImm:
			regs[in.a] = regs[in.b] << (in.imm & 63)
		case opI64ShrSImm:
			regs[in.a] = uint64(int64(regs[in.b]) >> (in.imm & 63))
		case opI64ShrUImm:
			regs[in.a] = regs[in.b] >> (in.imm & 63)
		case opI64Clz:
			regs[in.a] = uint64(bits.LeadingZeros64(regs[in.b]))
		case opI64Ctz:
			regs[in.a] = uint64(bits.TrailingZeros64(regs[in.b]))
		case opI64Popcnt:
			regs[in.a] = uint64(bits.OnesCount64(regs[in.b]))
		case opI64Extend8S:
			regs[in.a] = uint64(int64(int8(regs[in.b])))
		case opI64Extend16S:
			regs[in.a] = uint64(int64(int16(regs[in.b])))
		case opI64Extend32S:
			regs[in.a] = uint64(int64(int32(regs[in.b])))

		// Floats: arithmetic in the operand's own precision.
		case opF32Add:
			regs[in.a] = uint64(math.Float32bits(f32(regs[in.b]) + f32(regs[in.c])))
		case opF32Sub:
			regs[in.a] = uint64(math.Float32bits(f32(regs[in.b]) - f32(regs[in.c])))
		case opF32Mul:
			regs[in.a] = uint64(math.Float32bits(f32(regs[in.b]) * f32(regs[in.c])))
		case opF32Div:
			regs[in.a] = uint64(math.Float32bits(f32(regs[in.b]) / f32(regs[in.c])))
		case opF32Eq:
			regs[in.a] = b2u(f32(regs[in.b]) == f32(regs[in.c]))
		case opF32Ne:
			regs[in.a] = b2u(f32(regs[in.b]) != f32(regs[in.c]))
		case opF32Lt:
			regs[in.a] = b2u(f32(regs[in.b]) < f32(regs[in.c]))
		case opF32Gt:
			regs[in.a] = b2u(f32(regs[in.b]) > f32(regs[in.c]))
		case opF32Le:
			regs[in.a] = b2u(f32(regs[in.b]) <= f32(regs[in.c]))
		case opF32Ge:
			regs[in.a] = b2u(f32(regs[in.b]) >= f32(regs[in.c]))
		case opF64Add:
			regs[in.a] = math.Float64bits(f64(regs[in.b]) + f64(regs[in.c]))
		case opF64Sub:
			regs[in.a] = math.Float64bits(f64(regs[in.b]) - f64(regs[in.c]))
		case opF64Mul:
			regs[in.a] = math.Float64bits(f64(regs[in.b]) * f64(regs[in.c]))
		case opF64Div:
			regs[in.a] = math.Float64bits(f64(regs[in.b]) / f64(regs[in.c]))
		case opF64Eq:
			regs[in.a] = b2u(f64(regs[in.b]) == f64(regs[in.c]))
		case opF64Ne:
			regs[in.a] = b2u(f64(regs[in.b]) != f64(regs[in.c]))
		case opF64Lt:
			regs[in.a] = b2u(f64(regs[in.b]) < f64(regs[in.c]))
		case opF64Gt:
			regs[in.a] = b2u(f64(regs[in.b]) > f64(regs[in.c]))
		case opF64Le:
			regs[in.a] = b2u(f64(regs[in.b]) <= f64(regs[in.c]))
		case opF64Ge:
			regs[in.a] = b2u(f64(regs[in.b]) >= f64(regs[in.c]))
		case opF64Sqrt:
			regs[in.a] = math.Float64bits(math.Sqrt(f64(regs[in.b])))

		// Memory. The effective address is computed in 64 bits: no wrap.
		case opLoad32:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+4 > uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(binary.LittleEndian.Uint32(mem[ea:]))
		case opLoad64:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+8 > uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = binary.LittleEndian.Uint64(mem[ea:])
		case opLoad8S32:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea >= uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(uint32(int32(int8(mem[ea]))))
		case opLoad8U:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea >= uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(mem[ea])
		case opLoad16S32:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+2 > uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(uint32(int32(int16(binary.LittleEndian.Uint16(mem[ea:])))))
		case opLoad16U:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+2 > uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(binary.LittleEndian.Uint16(mem[ea:]))
		case opLoad8S64:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea >= uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(int64(int8(mem[ea])))
		case opLoad16S64:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+2 > uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(int64(int16(binary.LittleEndian.Uint16(mem[ea:]))))
		case opLoad32S64:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+4 > uint64(len(mem)) {
				goto oob
			}
			regs[in.a] = uint64(int64(int32(binary.LittleEndian.Uint32(mem[ea:]))))
		case opStore32:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+4 > uint64(len(mem)) {
				goto oob
			}
			binary.LittleEndian.PutUint32(mem[ea:], uint32(regs[in.c]))
		case opStore64:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+8 > uint64(len(mem)) {
				goto oob
			}
			binary.LittleEndian.PutUint64(mem[ea:], regs[in.c])
		case opStore8:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea >= uint64(len(mem)) {
				goto oob
			}
			mem[ea] = byte(regs[in.c])
		case opStore16:
			ea := uint64(uint32(regs[in.b])) + in.imm
			if ea+2 > uint64(len(mem)) {
				goto oob
			}
			binary.LittleEndian.PutUint16(mem[ea:], uint16(regs[in.c]))
		case opStore32Imm:
			ea := uint64(uint32(regs[in.b])) + uint64(in.c)
			if ea+4 > uint64(len(mem)) {
				goto oob
			}
			binary.LittleEndian.PutUint32(mem[ea:], uint32(in.imm))
		case opStore64Imm:
			ea := uint64(uint32(regs[in.b])) + uint64(in.c)
			if ea+8 > uint64(len(mem)) {
				goto oob
			}
			binary.LittleEndian.PutUint64(mem[ea:], in.imm)
		case opStore8Imm:
			ea := uint64(uint32(regs[in.b])) + uint64(in.c)
			if ea >= uint64(len(mem)) {
				goto oob
			}
			mem[ea] = byte(in.imm)
		case opStore16Imm:
			ea := uint64(uint32(regs[in.b])) + uint64(in.c)
			if ea+2 > uint64(len(mem)) {
				goto oob
			}
			binary.LittleEndian.PutUint16(mem[ea:], uint16(in.imm))
		case opMemorySize:
			regs[in.a] = uint64(st.mem.Pages())
		case opMemoryGrow:
			old, ok := st.mem.Grow(uint32(regs[in.b]))
			if ok {
				regs[in.a] = uint64(old)
			} else {
				regs[in.a] = uint64(math.MaxUint32) // -1
			}
			mem = st.mem.Bytes

		case opBrOnCast:
			if castOK(st, &bf.code.casts[uint32(in.imm)], regs[in.b]) != (in.imm>>32 != 0) {
				goto taken
			}

		default:
			if in.op > opSIMDFirst && in.op < numOps {
				tc = execSIMD(in, regs, mem, bf.code)
			} else if in.op > opGCFirst && in.op < opSIMDFirst {
				tc = m.execGC(in, regs, st, bf.code, fp+bf.code.frameSize)
			} else if in.op > opMiscFirst && in.op < opGCFirst {
				tc = execMisc(in, regs, st, m, bf.code)
				mem = st.mem.Bytes // memory.grow of memory 0 through opMemoryGrowX
			} else {
				tc = abi.TrapUnreachable // never produced by the translator
			}
			if tc != abi.TrapNone {
				goto trap
			}
		}
		continue

	taken: // every taken branch; one back to a loop header polls
		if target := int(in.a); target < pc {
			pc = target // a trap is reported at the loop (target-1 is its opLoopEntry)
			left--
			if left < 0 || intr.Load()&interruptBit != 0 {
				if tc = m.poll(&left); tc != abi.TrapNone {
					goto trap
				}
			}
		} else {
			pc = target
		}
	}

returning: // a tail call to a host function returned: return its results
	if len(m.frames) > 0 {
		bf, pc, fp = m.popFrame(st)
		code = bf.code.instrs
		regs = m.stack[fp:]
		st = bf.st
		mem = st.mem.Bytes
		globals = st.globals
		goto dispatch
	}
	m.meter.Settle(left)
	return abi.TrapNone

callFailed: // a host call failed: an exception it threw unwinds from here
	if exn := vm.AsException(m.hostErr); exn != nil {
		m.exn, m.exnOwned, m.hostErr, m.hostFn = exn, false, nil, nil
		goto throwing
	}
	goto trap

throwing: // unwind m.exn to the innermost handler that catches it
	for {
		ct, rc := m.catch(bf.code, pc-1, st, regs)
		if rc != abi.TrapNone {
			tc = rc
			goto trap
		}
		if ct != nil {
			m.caught()
			if ct.ret {
				goto returning
			}
			target := int(bf.code.brTables[ct.target])
			if target < pc { // caught into a loop: the branch back to its header polls
				pc = target
				left--
				if left < 0 || intr.Load()&interruptBit != 0 {
					if tc = m.poll(&left); tc != abi.TrapNone {
						goto trap
					}
				}
			}
			pc = target
			goto dispatch
		}
		if len(m.frames) == 0 {
			// Uncaught here: the exception leaves the engine as an error.
			m.hostErr, m.exn, m.exnOwned = m.exn, nil, false
			m.trapFn, m.trapPC = bf, pc-1
			m.meter.Settle(left)
			return abi.TrapHostError
		}
		bf, pc, fp = m.popFrame(st)
		code = bf.code.instrs
		regs = m.stack[fp:]
		st = bf.st
		mem = st.mem.Bytes
		globals = st.globals
	}

oob:
	tc = abi.TrapMemoryOutOfBounds
trap:
	m.meter.Settle(left)
	m.trapFn, m.trapPC = bf, pc-1 // callers stay on m.frames for the backtrace
	return tc
}

func f32(x uint64) float32 { return math.Float32frombits(uint32(x)) }
func f64(x uint64) float64 { return math.Float64frombits(x) }
