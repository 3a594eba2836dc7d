package frontend

import "github.com/moat-run/moat/internal/wasm"

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
//     it. One that loops runs at most PollStretch before its first poll.
//
// What a function runs after its last poll before it returns is bounded
// by PollStretch but not by callStretch, so a call may run more on its
// caller's account than it counts (at most PollStretch more), and a chain
// of returns runs PollStretch per frame at most. A loop whose header poll
// the boundedpolls pass drops does at most BoundedLoopWork (PollStretch)
// per entry.

// PollStretch is the most work, in Wasm instructions (a call counting
// callStretch), that a function runs along any path between polls.
const PollStretch = 1024

// callStretch is what a call counts towards PollStretch, and the most a
// function without an entry poll runs on any path.
const callStretch = 128

// stretchCost is what reachable instruction op counts.
func stretchCost(op wasm.Opcode) int32 {
	switch op {
	case wasm.OpCall, wasm.OpCallIndirect, wasm.OpCallRef:
		return callStretch
	case wasm.OpBlock, wasm.OpLoop, wasm.OpElse, wasm.OpEnd, wasm.OpTryTable, wasm.OpNop:
		return 0
	}
	return 1
}

// countStretch adds a translated instruction's work to the count and
// polls when it reaches PollStretch.
func (t *translator) countStretch(op wasm.Opcode) {
	if t.dead || len(t.frames) == 0 {
		return
	}
	t.sincePoll += stretchCost(op)
	if t.sincePoll >= PollStretch {
		t.callBuiltin(t.pollBuiltin(), nil)
		t.polls.longStretch = true
		t.sincePoll = 0
	}
}

// noteReturn records a return (or a tail call) on the path being
// translated: a function that returns after more than callStretch keeps
// its entry poll.
func (t *translator) noteReturn() {
	if t.sincePoll > callStretch {
		t.polls.longStretch = true
	}
}

// reachFollow records, for fr's merge, the count of a path that reaches
// its follow block.
func (fr *frame) reachFollow(count int32) {
	fr.stretch = max(fr.stretch, count)
}
