// Package backend is the machine-independent middle of moat's code
// generator: virtual-register machine code ("vcode"), liveness, register
// allocation, an allocation checker and frame layout.
//
// Place in the pipeline: a target's lowering (internal/backend/amd64, the
// one target) turns an ssa.Func into a Func of its own instructions over VRegs,
// each instruction describing its register operands through the Inst
// interface (uses, defs, read-modify-writes; any register, a fixed physical
// register, "reuse input k" for two-address forms, or register-or-stack for
// memory operands), plus a MachineEnv describing its registers. The Func
// keeps what the allocator reads flat and free of pointers: every operand in
// Func.Ops and, per instruction, a record of its operands' range there, its
// clobbers and whether it is a move or a terminator. Append fills them by
// asking the Inst; a target that writes its operands into Ops as it lowers
// (amd64) hands the record over with AppendFlat, and no Inst method is called
// while allocating. Allocate
// decides where every operand lives and which moves to insert; the target's
// emission step prints instructions with those locations, the Edits, and a
// prologue/epilogue from LayoutFrame. This package imports no target.
//
// The allocator, and why: it is a linear-scan allocator in the
// second-chance-binpacking family (Traub, Holloway, Smith 1998; the scheme of
// Go's own SSA back end): blocks are walked in layout order, instructions in
// order, and a value's location may change at any instruction — the live range
// is split exactly where a constraint or register pressure requires, not
// around precomputed intervals. At each instruction, fixed uses are copied
// into their registers, other uses loaded if spilled, defs placed (a dying
// move source's register first, so copies coalesce; a register a call
// preserves for values live across it; otherwise the env's order), and what
// a call or a fixed def would overwrite is moved to a free register or
// spilled. When registers run out, the value used furthest in the future is
// spilled (Belady's rule on next-use distances, which also see across block
// boundaries and count values that only pass through a loop as far away).
// Each block starts from the state its first allocated predecessor ended in;
// block parameters take their argument's register when it is free. A loop
// header (a block branched to from itself or a later block; its loop is the
// blocks up to the last such branch) plans its entry instead: live-ins the
// loop only passes through go to their slots when the loop calls or needs
// their registers (its pressure: the most values live at once), and in a
// loop that calls, the live-ins it reads and the parameters living across
// a call take registers calls preserve, so that spills and reloads happen
// on the way into and out of the loop rather than in every iteration. At the
// end every edge is resolved by one parallel move (cycles broken with the
// class's scratch register or a spare slot; on the edge from the
// predecessor whose state a block's start copied, only the parameters
// move, and the two states are not compared), placed at the end of a
// single-successor predecessor, at the start of a single-predecessor
// successor, or in a new stub block on a critical edge. Spill slots of values
// whose live ranges do not overlap are shared.
//
// This design handles x86's constraints (shift counts in CL, RAX:RDX for
// division, ABI registers at calls, two-address forms) locally and exactly,
// runs in time linear in the code size times the register count, and gives
// code comparable to interval-based linear scan; it stores nothing per
// program point except next-use positions. Interval-based splitting
// (Wimmer-Franz) would place spill code better in some loops; the Result
// format does not depend on the choice.
//
// Cost: memory is linear in the code size (liveness keeps, for each
// block-crossing value, the blocks it is live into as ranges in layout
// order, not per-block lists or bitsets over all values; block boundary
// states list only the values in registers), and time is linear in the code
// size plus the total size of the blocks' live-in sets, which liveness
// walks once (each block-crossing value back from its uses). The allocator
// asks whether a value is live out of a block only for the values the block
// touches. Planning a loop's entry walks the loop's blocks once (loops of
// up to 256 blocks; larger ones keep their preheader's state), so a block
// costs that walk once per loop enclosing it. Allocator.MaxLiveEntries caps
// the live-in total, the one cost that can grow as values × blocks; past it
// Allocate fails with a *LimitError. An Allocator keeps its working memory
// (dense slices indexed by vreg, instruction, operand or block; no maps)
// from one function to the next; the package function Allocate takes Allocators from a sync.Pool.
// AllocateReusing also builds the Result in the Allocator's memory (valid
// until its next call), and Func.Reset keeps a Func's memory, so a
// compiler worker allocating many functions allocates almost nothing per
// function. See BenchmarkAllocate and BenchmarkAllocateReusing.
//
// Guarantees: Allocate never panics (Validate rejects malformed vcode with a
// typed *Error, and an internal failure becomes an error too). Check
// verifies any Result independently by symbolic execution: every use reads
// the value it names from the location the allocation gives, every constraint
// holds, no edit copies a slot to a slot, callee-saved registers written are
// reported. Tests run it on every allocation.
//
// Files: regs.go (classes, physical registers, sets), vcode.go (VReg, Inst,
// Block, Func and its builder), operand.go (operands and constraints),
// env.go (MachineEnv), validate.go, liveness.go, limit.go (LimitError), alloc.go (Allocator, driver,
// state), alloc_block.go (next-use scan, block entry, register choice),
// alloc_inst.go (one instruction), alloc_loop.go (loop entries), alloc_finish.go (edges, slot sharing,
// result), parallel_move.go, result.go, checker.go, frame.go, print.go (text
// form).
package backend
