package ssa_test

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	. "github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/ssa/ssatest"
)

// outcome is everything observable about one run of a function.
type outcome struct {
	results []uint64
	trap    abi.TrapCode
	memory  []byte
	calls   []string
	timeout bool
}

func (o outcome) String() string {
	return fmt.Sprintf("results=%x trap=%v timeout=%v calls=%v mem=%x", o.results, o.trap, o.timeout, o.calls, o.memory)
}

const interpMemSize = 64

// interpret runs f on args with ssatest's interpreter, a small memory,
// deterministic callees and a step limit. It is the reference the pass
// tests compare against; undefined behaviour panics (a test bug).
func interpret(f *Func, args []uint64, maxSteps int) (out outcome) {
	mem := make(ssatest.FlatMemory, interpMemSize)
	m := &ssatest.Machine{Memory: mem, MaxSteps: maxSteps + 1}
	m.Call = func(callee FuncRef, sig Signature, args []uint64) ([]uint64, error) {
		var s uint64 = 0x9e3779b97f4a7c15 ^ uint64(callee)
		for _, a := range args {
			s = (s ^ a) * 0x100000001b3
		}
		out.calls = append(out.calls, fmt.Sprintf("fn%d%x", callee, s))
		res := make([]uint64, len(sig.Results))
		for i := range res {
			res[i] = s + uint64(i)
		}
		return res, nil
	}
	res, err := m.Run(f, args)
	out.memory = mem
	var trap *ssatest.Trap
	switch {
	case err == nil:
		out.results = res
	case errors.As(err, &trap):
		out.trap = trap.Code
	case errors.Is(err, ssatest.ErrTimeout):
		out.timeout = true
	default:
		panic(err)
	}
	return out
}
