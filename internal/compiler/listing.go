package compiler

import (
	"fmt"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Listing compiles function idx of the validated module m the way Compile
// does with memories laid out as mem says, and returns its optimised SSA
// and its assembly text: what a reader needs to see why generated code is
// slow. Polls are epoch polls where the platform has the epoch's ticker,
// as a default engine compiles them.
func Listing(m *wasm.Module, idx uint32, mem MemoryConfig) (ssaText, asm string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compiler: internal error listing function %d: %v", idx, r)
		}
	}()
	layout, guard, err := mem.layout()
	if err != nil {
		return "", "", err
	}
	env := &frontend.Env{Unchecked: layout.Unchecked(), EpochPolls: vm.EpochSupported}
	f, err := frontend.Translate(m, idx, env)
	if err != nil {
		return "", "", err
	}
	frontend.Optimize(f, env)
	c, err := amd64.Compile(f, amd64.Options{SharedPollStub: true, Listing: true, FaultingUnreachable: guard})
	if err != nil {
		return f.String(), "", err
	}
	return f.String(), c.Listing, nil
}
