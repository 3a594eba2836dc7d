package interp

import "fmt"

// DefaultMaxFuncSize is Config.MaxFuncSize's default: 2^18 instructions,
// branch-table entries and open blocks, about 8 MB of translated code. The
// largest functions of the Go standard library's wasip1 test binaries and
// of the bench modules need well under half of it.
const DefaultMaxFuncSize = 1 << 18

// LimitError reports a function whose translation passed
// Config.MaxFuncSize.
type LimitError struct {
	Func uint32 // the function's index
	Max  int64  // the cap it passed
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("interp: function %d: %s", e.Func, e.Msg())
}

// Msg says what was exceeded, without the function.
func (e *LimitError) Msg() string {
	return fmt.Sprintf("compile budget exceeded: the function's interpreter code needs more than %d instructions, branch-table entries and open blocks (Config.CompileBudget.MaxFuncSize)", e.Max)
}

// size is what Config.MaxFuncSize counts of the function being translated:
// its instructions, branch-table entries and open blocks. Everything else
// translation keeps grows with these (constants, offsets, fixups and
// handlers by at most one per instruction) or is bounded by the decoder's
// limits (locals).
func (t *translator) size() int64 {
	return int64(len(t.code)) + int64(len(t.brTables)) + int64(len(t.ctrls))
}

// checkSize fails when the function's size plus extra, about to be added,
// passes the cap: br_table checks its targets before copying them.
func (t *translator) checkSize(extra int) error {
	if t.maxSize > 0 && t.size()+int64(extra) > t.maxSize {
		return &LimitError{Func: t.fn, Max: t.maxSize}
	}
	return nil
}
