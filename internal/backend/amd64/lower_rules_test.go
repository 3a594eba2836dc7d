package amd64

import (
	"testing"

	"github.com/moat-run/moat/internal/ssa"
)

// TestEveryOpcodeHasARule: the lowering table covers the whole IR, scalar
// and vector.
func TestEveryOpcodeHasARule(t *testing.T) {
	for op := ssa.Opcode(1); int(op) < ssa.NumOpcodes; op++ {
		if lowerRules[op] == nil {
			t.Errorf("no lowering rule for %s", op)
		}
	}
}
