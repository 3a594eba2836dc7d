package amd64

import (
	"slices"
	"sync"

	"github.com/moat-run/moat/internal/backend"
)

// Scratch is the working memory of Compile: the lowerer's tables, the
// vcode, the allocator, the assembler and the emitter. A goroutine that
// compiles many functions keeps one and passes it in Options.Scratch, so a
// function costs little more memory than its Compiled result: every buffer
// is truncated, not reallocated, from one function to the next. A Scratch
// must not be used by two goroutines at once.
type Scratch struct {
	lowerer   lowerer
	vf        backend.Func
	asm       Assembler
	emitter   emitter
	allocator backend.Allocator
}

// NewScratch returns a Scratch with no memory reserved yet.
func NewScratch() *Scratch { return &Scratch{} }

// Reserve sizes s for a function whose body is bodyBytes bytes of wasm,
// so that compiling it does not double the arrays that grow with a
// function's size through it: a compiler worker that takes the largest body
// first reserves for it before it starts. The ratios, per 1,024 bytes of
// body, cover the largest functions of Go wasip1 test binaries (regexp.test's
// dozen largest need 0.30-0.43 templates, 0.42-0.51 operands, 0.24-0.28
// vinsts, 0.033-0.057 blocks and 1.7-2.4 bytes of code per byte); a
// function that needs more (the largest functions of the Rust and C bench
// modules need up to twice as much) grows from there, and what is reserved
// is all used by a Go module's largest functions rather than held idle.
func (s *Scratch) Reserve(bodyBytes int) {
	n := bodyBytes
	s.vf.Reserve(n*reserveInstsPerKB>>10, n*reserveOpsPerKB>>10, n*reserveBlocksPerKB>>10)
	m := &s.lowerer.mem
	m.code = slices.Grow(m.code, max(n*reserveTemplatesPerKB>>10-len(m.code), 0))
	a := &s.asm
	a.code = slices.Grow(a.code, max(n*reserveCodeBytesPerKB>>10-len(a.code), 0))
}

// Reserve's ratios, per 1,024 bytes of body.
const (
	reserveTemplatesPerKB = 460
	reserveOpsPerKB       = 560
	reserveInstsPerKB     = 310
	reserveBlocksPerKB    = 62
	reserveCodeBytesPerKB = 2560
)

// scratches keep Scratches from one module's compilation to the next, so
// compiling many small modules does not pay each time for the memory a
// Scratch grows (the pool drops them at garbage collection).
var scratches = sync.Pool{New: func() any { return NewScratch() }}

// GetScratch takes a Scratch from a pool shared by all goroutines;
// PutScratch returns it when the goroutine is done compiling.
func GetScratch() *Scratch { return scratches.Get().(*Scratch) }

// PutScratch returns s to the pool GetScratch takes from.
func PutScratch(s *Scratch) { scratches.Put(s) }

// release drops, after a function is compiled, every reference the kept
// memory holds to that function: its SSA form would otherwise stay
// reachable (and be marked by every garbage collection) while the next
// function is translated, and so would the vinsts through the lists that
// name them.
func (s *Scratch) release() {
	l := &s.lowerer
	l.f, l.vf, l.asm, l.curInst, l.mem.vf = nil, nil, nil, nil, nil
	clear(l.layout)
	clear(l.order.post)
	clear(l.order.stack)
	clear(l.cur)
	l.layout, l.order.post, l.order.stack = l.layout[:0], l.order.post[:0], l.order.stack[:0]
	l.cur = l.cur[:0]
	s.vf.Reset("")
	s.emitter.l, s.emitter.a, s.emitter.res = nil, nil, nil
}

// slabPage is the number of elements of a slab's page (a power of two).
const slabPage = 256

// slab hands out short slices carved from large pages that are kept and
// reused after reset: block parameter and argument lists cost no
// allocation each. A slice
// taken from a slab is valid until the slab's next reset.
type slab[T any] struct {
	pages [][]T
	page  int // the page being carved
	used  int // elements of pages[page] handed out
}

// take returns an empty slice with capacity n.
func (s *slab[T]) take(n int) []T {
	if n > slabPage {
		return make([]T, 0, n)
	}
	if s.page < len(s.pages) && s.used+n > slabPage {
		s.page++
		s.used = 0
	}
	if s.page == len(s.pages) {
		s.pages = append(s.pages, make([]T, slabPage))
	}
	p := s.pages[s.page][s.used : s.used : s.used+n]
	s.used += n
	return p
}

// reset makes every page available again.
func (s *slab[T]) reset() { s.page, s.used = 0, 0 }

// vinstPool holds a function's vinsts in pages kept from one function to
// the next; a vinst is named by its index, so the lists of vinsts lowering
// keeps are plain integers (no pointers for the garbage collector to scan
// or for write barriers to track).
type vinstPool struct {
	pages []*[slabPage]vinst
	n     int32
}

// alloc returns a zeroed vinst and its index.
func (p *vinstPool) alloc() (*vinst, int32) {
	i := p.n
	if int(uint32(i)/slabPage) == len(p.pages) {
		p.pages = append(p.pages, new([slabPage]vinst))
	}
	p.n++
	v := p.at(i)
	*v = vinst{id: i}
	return v, i
}

// at is vinst i.
func (p *vinstPool) at(i int32) *vinst { return &p.pages[uint32(i)/slabPage][uint32(i)%slabPage] }

func (p *vinstPool) reset() { p.n = 0 }
