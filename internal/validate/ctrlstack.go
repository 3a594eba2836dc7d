package validate

import "github.com/moat-run/moat/internal/wasm"

// frame is one entry of the control stack: 24 bytes, so that a body of
// nothing but nested blocks (two bytes each) holds at most 12 bytes of
// control stack per byte of input.
type frame struct {
	// sig holds the block's parameter and result types: the block type's
	// function type, or a shared one for the empty and single-value forms.
	sig         *wasm.FuncType
	height      uint32      // operand stack height at entry (at most maxOperands)
	inits       uint32      // height of the local initialisation log at entry
	op          wasm.Opcode // OpBlock (also for the function), OpLoop, OpIf, OpElse or OpTryTable
	unreachable bool        // the rest of the block is stack-polymorphic
}

// labelTypes are the operand types a branch to the frame carries.
func (f *frame) labelTypes() []wasm.ValType {
	if f.op == wasm.OpLoop {
		return f.sig.Params
	}
	return f.sig.Results
}

// ctrlChunkBits sets the frames per chunk of the control stack (64, 1.5 KB).
const ctrlChunkBits = 6

// ctrlStack is the control stack. Its frames live in fixed-size chunks
// that never move, so a deep nesting costs its frames and nothing more:
// no copy of the whole stack on growth, which with Go's growth factor
// would more than double the peak.
type ctrlStack struct {
	chunks [][]frame // each of 1<<ctrlChunkBits frames; those past n are spare
	n      int
	top    *frame // the innermost frame, nil when the stack is empty
}

func (s *ctrlStack) len() int { return s.n }

func (s *ctrlStack) reset() { s.n, s.top = 0, nil }

func (s *ctrlStack) at(i int) *frame {
	return &s.chunks[i>>ctrlChunkBits][i&(1<<ctrlChunkBits-1)]
}

// push adds f as the innermost frame.
func (s *ctrlStack) push(f frame) {
	if s.n>>ctrlChunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, make([]frame, 1<<ctrlChunkBits))
	}
	s.top = s.at(s.n)
	*s.top = f
	s.n++
}

// pop removes the innermost frame.
func (s *ctrlStack) pop() {
	s.n--
	if s.n == 0 {
		s.top = nil
		return
	}
	s.top = s.at(s.n - 1)
}

// label returns the frame l levels out from the innermost, or nil.
func (s *ctrlStack) label(l uint32) *frame {
	if uint64(l) >= uint64(s.n) {
		return nil
	}
	return s.at(s.n - 1 - int(l))
}
