package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/wasm"
)

// Straight-line polls: a poll at every loop header and at the entry of
// every function that loops or calls left one gap, code that runs long
// without either. A function of tens of thousands of dependent loads that
// miss the cache runs for tens of milliseconds, and guests calling it in a
// loop held every runtime.GC() of the host that long. The translator
// therefore counts, along every path, the work since the last poll, and
// bounds it:
//
//   - each reachable Wasm instruction counts one, a call callStretch, and
//     the structure that makes no code or only a jump nothing (block,
//     loop, else, end, try_table, nop: a switch is thousands of nested
//     blocks opened in a row);
//   - when the count reaches PollStretch, a poll follows the instruction;
//   - at a merge (the end of a block, if or try_table) the count is the
//     largest of the paths that reach it; the else arm starts from the
//     count at its if; an exception handler's path, whose count is not
//     followed, counts PollStretch;
//   - a function that neither loops nor calls, whose entry poll is
//     otherwise dropped, keeps it when it polls on a stretch or returns
//     after more than callStretch, so that what a call counts holds for
//     it. One that loops runs at most PollStretch before its first poll;
//   - without fuel, the instructions since the last call returned are
//     counted too, and a poll follows the returnStretch-th (a merge takes
//     the largest of that count as well): a caller runs at most
//     returnStretch instructions after a call returns before it polls,
//     returns or calls again.
//
// What a function runs after its last poll before it returns is bounded
// by PollStretch but not by callStretch, so a call may run more on its
// caller's account than it counts (at most PollStretch more). A chain of
// returns, one frame after another, would run that much per frame without
// a poll, and a recursion 100,000 frames deep whose frames each run a few
// hundred instructions after their call held the host's collector for tens
// of milliseconds; the count since a return bounds it to returnStretch per
// frame. A loop whose header poll the boundedpolls pass drops does at most
// BoundedLoopWork (PollStretch) per entry.

// PollStretch is the most work, in Wasm instructions (a call counting
// callStretch), that a function runs along any path between polls.
const PollStretch = 1024

// callStretch is what a call counts towards PollStretch, and the most a
// function without an entry poll runs on any path.
const callStretch = 128

// returnStretch bounds what a function runs after a call returns before
// it polls, returns or calls again: what each frame of a chain of returns
// adds
// (100,000 frames, Config.MaxCallDepth's default, at 16 instructions and
// an epilogue each: about a millisecond).
const returnStretch = 16

// callsAndReturns reports whether op calls and returns to the next
// instruction.
func callsAndReturns(op wasm.Opcode) bool {
	return op == wasm.OpCall || op == wasm.OpCallIndirect || op == wasm.OpCallRef
}

// fuelPolls reports whether every poll is a unit of fuel
// (Env.PollEveryEntry), which both engines count at entries and loop
// headers: no poll follows a return then.
func (t *translator) fuelPolls() bool { return t.env != nil && t.env.PollEveryEntry }

// stretchPollBuiltin is the poll a long stretch ends with: the function's
// poll, or with fuel, a look at the preemption word that spends none (fuel
// counts entries and loop iterations on both engines, and the interpreter
// has no stretch polls).
func (t *translator) stretchPollBuiltin() abi.Builtin {
	if t.fuelPolls() {
		return abi.BuiltinPollPreempt
	}
	return t.pollBuiltin()
}

// stretchCost is what reachable instruction op counts.
func stretchCost(op wasm.Opcode) int32 {
	if callsAndReturns(op) {
		return callStretch
	}
	switch op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpElse, wasm.OpEnd, wasm.OpTryTable, wasm.OpNop:
		return 0
	}
	return 1
}

// plainStretchCost is stretchCost by one-byte opcode, read once per
// translated instruction (a prefixed opcode costs one and calls nothing).
var plainStretchCost = func() (t [256]int32) {
	for op := range t {
		t[op] = stretchCost(wasm.Opcode(op))
	}
	return t
}()

// pollCount is the work on a path since its last poll.
type pollCount struct {
	// work counts instructions, a call callStretch.
	work int32
	// returned is 1 + the instructions since the last call returned; 0
	// when no call has returned since the poll (or with fuel, where polls
	// come only at entries and loop headers).
	returned int32
}

// merge is the count at a merge of paths counted c and o: the largest.
func (c pollCount) merge(o pollCount) pollCount {
	return pollCount{work: max(c.work, o.work), returned: max(c.returned, o.returned)}
}

// countStretch adds a translated instruction's work to the count and
// polls when it reaches PollStretch, or returnStretch after a call.
func (t *translator) countStretch(op wasm.Opcode) {
	if t.dead || len(t.frames) == 0 {
		return
	}
	cost := int32(1)
	if op < wasm.Opcode(len(plainStretchCost)) {
		cost = plainStretchCost[op]
	}
	c := &t.sincePoll
	c.work += cost
	switch {
	case cost == callStretch && !t.fuelPolls(): // a call (callsAndReturns)
		c.returned = 1
	case c.returned > 0 && cost > 0:
		c.returned++
	}
	if c.work >= PollStretch || c.returned > returnStretch {
		t.stretchPoll()
	}
}

// stretchPoll polls at the end of a long stretch and starts a new one.
func (t *translator) stretchPoll() {
	t.callBuiltin(t.stretchPollBuiltin(), nil)
	t.polls.longStretch = true
	t.sincePoll = pollCount{}
}

// noteReturn records a return (or a tail call) on the path being
// translated: a function that returns after more than callStretch keeps
// its entry poll.
func (t *translator) noteReturn() {
	if t.sincePoll.work > callStretch {
		t.polls.longStretch = true
	}
}

// reachFollow records, for fr's merge, the count of a path that reaches
// its follow block.
func (fr *frame) reachFollow(count pollCount) {
	fr.stretch = fr.stretch.merge(count)
}
