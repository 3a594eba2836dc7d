package frontend

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
)

// loads is n chained i32.loads of the address on the stack.
func loads(n int) string { return strings.Repeat(" i32.load", n) }

// TestStraightLinePolls: code that neither loops nor calls still polls
// every PollStretch instructions along each path (the longest path at a
// merge), and a leaf that does so keeps its entry poll; a short leaf has
// no poll; a run of calls counts callStretch each; without fuel, a poll
// follows the returnStretch-th instruction after a call returns; with
// fuel, a stretch's poll is a look at the preemption word, which spends
// none.
func TestStraightLinePolls(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		polls int
		fuel  bool // Env.PollEveryEntry
	}{
		{"short leaf", "local.get 0" + loads(100), 0, false},
		// 3,000 loads: two stretch polls, and the entry poll kept
		{"long leaf", "local.get 0" + loads(3000), 3, false},
		// the then arm's 700 and the 400 after it make a path of 1,100:
		// one stretch poll (the else arm's 100 + 400 would make none)
		{"longest arm", "local.get 0 (if (param i32) (result i32) (local.get 0) (then" + loads(700) + ") (else" + loads(100) + "))" + loads(400), 2, false},
		// the same on an if without else: its skipping path counts what
		// came before the if
		{"if without else", "local.get 0" + loads(600) + " (if (param i32) (result i32) (local.get 0) (then" + loads(100) + "))" + loads(500), 2, false},
		// a branch out of a block carries its count to the block's end,
		// where the path falling through is short
		{"branch out", "(block (result i32) (if (local.get 0) (then local.get 0" + loads(900) + " br 1)) (i32.const 0))" + loads(200), 2, false},
		// blocks make no code: a switch's thousands of nested blocks do
		// not poll
		{"nested blocks", strings.Repeat("(block ", 3000) + strings.Repeat(")", 3000) + " local.get 0", 0, false},
		// ten calls of a short leaf: one stretch poll after the eighth,
		// and the entry poll of a function that calls; the two
		// instructions between calls make no poll after a return
		{"calls", strings.Repeat("(drop (call $short (local.get 0))) ", 10) + "local.get 0", 2, false},
		{"calls with fuel", strings.Repeat("(drop (call $short (local.get 0))) ", 10) + "local.get 0", 2, true},
		// with fuel, polls are entries and loop headers only
		{"after a call with fuel", "(drop (call $short (local.get 0))) local.get 0" + loads(100), 1, true},
		// the count since a return takes the longest path at a merge: the
		// then arm ends with a call, and returnStretch loads after the if
		// poll (the else arm's path alone would not)
		{"return on one arm", "local.get 0 (if (param i32) (result i32) (local.get 0) (then (drop) (call $short (local.get 0))) (else" + loads(10) + "))" + loads(returnStretch), 2, false},
		// a long stretch after a call polls returnStretch after it
		{"after a call", "(drop (call $short (local.get 0))) local.get 0" + loads(100), 2, false},
		// a function that returns fewer than returnStretch instructions
		// after its call does not poll on its way out; one more, and it
		// polls after the last
		{"return after a call", "(drop (call $short (local.get 0))) local.get 0" + loads(returnStretch-3), 1, false},
		{"long after a call", "(drop (call $short (local.get 0))) local.get 0" + loads(returnStretch-2), 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf(`(module (memory 1)
				(func $short (param i32) (result i32) local.get 0%s)
				(func (param i32) (result i32) %s))`, loads(10), tc.body)
			m, err := text.ParseModule([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Module(m); err != nil {
				t.Fatal(err)
			}
			var env *Env
			if tc.fuel {
				env = &Env{PollEveryEntry: true}
			}
			f, err := Translate(m, 1, env)
			if err != nil {
				t.Fatal(err)
			}
			count := func(b abi.Builtin) int {
				return strings.Count(f.String(), fmt.Sprintf("fn%d(", abi.BuiltinCallee+uint32(b)))
			}
			ticks, preempts := count(abi.BuiltinPollTick), count(abi.BuiltinPollPreempt)
			if got := ticks + preempts; got != tc.polls {
				t.Errorf("%d polls, want %d", got, tc.polls)
			}
			// With fuel, a stretch's poll spends none: the only tick (a
			// unit) of these bodies without loops is the entry's.
			if tc.fuel && ticks > 1 || !tc.fuel && preempts != 0 {
				t.Errorf("fuel %v: %d poll ticks and %d preemption polls", tc.fuel, ticks, preempts)
			}
		})
	}
}
