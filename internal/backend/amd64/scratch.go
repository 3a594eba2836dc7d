package amd64

import "github.com/moat-run/moat/internal/backend"

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

// slabPage is the number of elements of a slab's page.
const slabPage = 1024

// slab hands out short slices carved from large pages that are kept and
// reused after reset: the vinsts of a function, their operands and
// templates, and block argument lists, cost no allocation each. A slice
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

// one returns a pointer to a fresh element, zeroed.
func (s *slab[T]) one() *T {
	p := s.take(1)[:1]
	var zero T
	p[0] = zero
	return &p[0]
}

// reset makes every page available again.
func (s *slab[T]) reset() { s.page, s.used = 0, 0 }

// appendTo appends x to a slice taken from s, moving it to a slice twice
// as large when it is full.
func appendTo[T any](s *slab[T], list []T, x T) []T {
	if len(list) == cap(list) {
		grown := s.take(max(2*cap(list), 2))
		list = append(grown, list...)
	}
	return append(list, x)
}
