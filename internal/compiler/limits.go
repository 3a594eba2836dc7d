package compiler

import (
	"errors"
	"fmt"
	"time"

	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/frontend"
)

// DefaultMaxFuncWork is Config.MaxFuncWork's default: 2^26 steps. A step
// of either kind costs a few nanoseconds and at most about 12 bytes while
// the function compiles, so one worker needs at most about 0.8 GB and a
// second or two for a function at the limit. The largest functions of the
// Go standard library's test binaries use under 2^22 (a 69 KB regexp
// function: 1.5M), and 1,000 locals kept live across 10,000 if/else
// merges (a 280 KB function) about 2^25.
const DefaultMaxFuncWork = 1 << 26

// DefaultMaxFuncSize is Config.MaxFuncSize's default: 2^18 SSA values and blocks.
const DefaultMaxFuncSize = 1 << 18

// DefaultCompileTimeout is Config.CompileTimeout's default.
const DefaultCompileTimeout = 5 * time.Minute

// LimitError reports a module whose compilation exceeded Config's
// MaxFuncWork or CompileTimeout.
type LimitError struct {
	Func uint32 // the function being compiled
	Msg  string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("compiler: function %d: %s", e.Func, e.Msg)
}

// limitError turns a stage's limit error into a *LimitError, or returns
// nil for any other error.
func limitError(idx uint32, err error, maxWork, maxSize int64) error {
	switch {
	case errors.Is(err, frontend.ErrLimit):
		return &LimitError{Func: idx, Msg: fmt.Sprintf("compile budget exceeded: SSA construction needs more than %d steps (Config.CompileBudget.MaxFuncWork)", maxWork)}
	case errors.Is(err, frontend.ErrSizeLimit):
		return &LimitError{Func: idx, Msg: fmt.Sprintf("compile budget exceeded: the function needs more than %d SSA values, blocks, branch targets and open blocks (Config.CompileBudget.MaxFuncSize)", maxSize)}
	case errors.Is(err, backend.ErrLimit):
		return &LimitError{Func: idx, Msg: fmt.Sprintf("compile budget exceeded: liveness needs more than %d live-in entries (Config.CompileBudget.MaxFuncWork)", maxWork)}
	}
	return nil
}
