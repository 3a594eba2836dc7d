package ssa

import "sync"

// passScratch is storage the passes reuse: one function runs through
// eight passes, most of which need a CFG, a substitution table or the
// incoming edges, and rebuilding them into the same buffers keeps the
// pipeline from allocating them again and again. A Func owns one (made on
// first use); nothing in it outlives the pass that filled it.
type passScratch struct {
	cfg   CFG
	dom   DomTree
	subst []Value

	// Within a pipeline run, passes that leave the control flow alone
	// share one CFG and dominator tree: run counts the passes started,
	// and cfgValidAt (domValidAt) is the run in which the cached analysis
	// is known to be current. A pass that keeps it current hands it on
	// to the next (keepAnalyses); any other pass, ours or not, lets it
	// lapse.
	inPipeline             bool
	run                    int
	cfgValidAt, domValidAt int
	// prunedAt is a run that left no unreachable block (prunedLast).
	prunedAt int
	// gvnDoneAt is the run after which GVN would find nothing to merge:
	// GVN's own, handed on by passes that make no two instructions
	// identical (keepGVN).
	gvnDoneAt int
	// foldDoneAt is the run after which Fold would change nothing:
	// Fold's own (one walk in RPO leaves nothing it would fold), handed
	// on by passes that give no instruction a new constant operand, two
	// equal operands or two equal branch targets (keepFold).
	foldDoneAt int

	reachable []bool // by Block.ID
	inLayout  []bool
	blocks    []*Block // work stack

	edges      []edgeRef   // flat, grouped by target
	edgesByID  [][]edgeRef // by Block.ID: windows of edges (or of edgeLists)
	edgeLists  []edgeRef   // DCE's, one block's at a time (edgesFromPreds)
	edgeCounts []int32

	live      []bool
	layoutPos []int32 // by Block.ID: MergeBlocks' layout positions
	values    []Value // work list
	// DCE's: each value's state bits, branches passed into each block,
	// and the instructions passed as dead.
	dceState    []uint8
	paramArgs   []int32 // CopyProp's, by value: the one argument each parameter was passed
	branchesMet []int32
	deadInsts   []instPos
	insts       []*Inst  // a block being rebuilt
	hoisted     []*Inst  // LICM's, for one loop
	defBlock    []*Block // by Value

	gvn      gvnTable
	domStack []domFrame // GVN's and BCE's walk of the dominator tree
	// loops is the loop forest LICM and PassLoops compute; domGen counts
	// the dominator trees computed, loopsOfDom is the one loops was
	// computed from (scratchLoops).
	loops      LoopForest
	domGen     int
	loopsOfDom int

	bceTable map[bceKey]uint64
	bceLog   []bceUndo
}

// domFrame is a block on the stack of a dominator-tree walk with a scoped
// table: logLen is the table's undo log length when the walk entered it.
type domFrame struct {
	b       *Block
	logLen  int
	visited bool
}

// scratchPool lends pass storage to a function for the length of a
// pipeline run, so consecutive functions (one compiler worker's) reuse the
// same buffers.
var scratchPool = sync.Pool{New: func() any { return &passScratch{} }}

// borrowScratch gives f pooled pass storage; returnScratch takes it back.
func borrowScratch(f *Func) { f.scratch = scratchPool.Get().(*passScratch) }

func returnScratch(f *Func) {
	scratchPool.Put(f.scratch)
	f.scratch = nil
}

// KeepScratch gives f pass storage of its own for as long as f lives,
// instead of storage borrowed from a pool for each pipeline run: for a
// Func that a compiler worker reuses (Func.Reset) function after function,
// so the storage survives garbage collections with it.
func (f *Func) KeepScratch() {
	if f.scratch == nil {
		f.scratch = &passScratch{}
	}
}

func (f *Func) scratchSpace() *passScratch {
	if f.scratch == nil {
		f.scratch = &passScratch{}
	}
	return f.scratch
}

// scratchCFG is f's CFG, computed into the scratch CFG unless the cached
// one is current; valid until the next call.
func (f *Func) scratchCFG() *CFG {
	s := f.scratchSpace()
	if !s.inPipeline || s.cfgValidAt != s.run {
		s.cfg.compute(f)
		s.cfgValidAt, s.domValidAt = s.run, -1
	}
	return &s.cfg
}

// scratchDomTree is the dominator tree of cfg (the scratch CFG), computed
// into the scratch tree unless the cached one is current.
func (f *Func) scratchDomTree(cfg *CFG) *DomTree {
	s := f.scratchSpace()
	if !s.inPipeline || s.domValidAt != s.run || cfg != &s.cfg {
		s.dom.compute(cfg)
		s.domValidAt = s.run
		s.domGen++
	}
	return &s.dom
}

// scratchLoops is the loop forest of cfg and dom (the scratch CFG and
// dominator tree), computed into the scratch forest unless it was
// computed from this very tree: LICM's forest serves the last pass
// (PassLoops) when no pass in between changed a branch.
func (f *Func) scratchLoops(cfg *CFG, dom *DomTree) *LoopForest {
	s := f.scratchSpace()
	if !s.inPipeline || dom != &s.dom || s.domValidAt != s.run || s.loopsOfDom != s.domGen {
		s.loops.compute(cfg, dom)
		s.loopsOfDom = s.domGen
		if dom != &s.dom || s.domValidAt != s.run {
			s.loopsOfDom = -1
		}
	}
	return &s.loops
}

// PassLoops is f's loop forest, for a pass of another package run in a
// Pipeline: computed into f's pass storage from the CFG and dominator
// tree that the pass before it kept current, when it did (a pass outside
// this package keeps nothing for the next). It is valid until f's control
// flow changes or the next call.
func (f *Func) PassLoops() *LoopForest {
	cfg := f.scratchCFG()
	return f.scratchLoops(cfg, f.scratchDomTree(cfg))
}

// recomputeCFG recomputes the scratch CFG after the pass changed the
// control flow.
func (f *Func) recomputeCFG() *CFG {
	s := f.scratchSpace()
	s.cfgValidAt = -1
	return f.scratchCFG()
}

// keepGVN says that the running pass has made no two instructions
// identical (it only removed instructions, or moved none), so GVN right
// after it would merge nothing if GVN ran just before it.
func (f *Func) keepGVN() {
	if s := f.scratchSpace(); s.inPipeline && s.gvnDoneAt == s.run-1 {
		s.gvnDoneAt = s.run
	}
}

// keepFold says that the running pass has given Fold nothing new to do:
// no operand became a constant or another value (it only removed
// instructions, moved them, or merged identical ones without making two
// operands of one instruction equal), and no branch's targets became
// identical; so Fold right after it would change nothing if Fold ran
// just before it.
func (f *Func) keepFold() {
	if s := f.scratchSpace(); s.inPipeline && s.foldDoneAt == s.run-1 {
		s.foldDoneAt = s.run
	}
}

// keepAnalyses says that the running pass has not changed the control
// flow since the cached analyses were current, so the next pass may use
// them.
func (f *Func) keepAnalyses() {
	s := f.scratchSpace()
	if s.cfgValidAt == s.run {
		s.cfgValidAt++
	}
	if s.domValidAt == s.run {
		s.domValidAt++
	}
}

// keepCFG says that the running pass has kept the cached CFG current
// (MergeBlocks), but not the dominator tree.
func (f *Func) keepCFG() {
	if s := f.scratchSpace(); s.cfgValidAt == s.run {
		s.cfgValidAt++
	}
}

// startPass begins pass number run+1 of a pipeline.
func (s *passScratch) startPass() { s.run++ }

// newSubst returns a substitution table for ReplaceUses with no entries,
// valid until the next call.
func (f *Func) newSubst() []Value {
	s := f.scratchSpace()
	s.subst = resize(s.subst, len(f.values))
	for i := range s.subst {
		s.subst[i] = NoValue
	}
	return s.subst
}

// edgeRef is one branch into a block: Targets[slot] of term.
type edgeRef struct {
	from *Block
	term *Inst
	slot int
}

// incomingEdges lists, by block ID, the branches into each block. The
// lists are valid until the next call.
func incomingEdges(f *Func) [][]edgeRef {
	s := f.scratchSpace()
	n := f.NumBlockIDs()
	s.edgesByID = resize(s.edgesByID, n)
	s.edgeCounts = resize(s.edgeCounts, n)
	clear(s.edgesByID)
	clear(s.edgeCounts)
	total := 0
	for _, b := range f.Blocks {
		if t := b.Terminator(); t != nil {
			for _, c := range t.Targets {
				if c.Block != nil && c.Block.ID >= 0 && c.Block.ID < n {
					s.edgeCounts[c.Block.ID]++
					total++
				}
			}
		}
	}
	s.edges = resize(s.edges, total)
	pos := 0
	for id, k := range s.edgeCounts {
		if k > 0 {
			s.edgesByID[id] = s.edges[pos : pos : pos+int(k)]
			pos += int(k)
		}
	}
	for _, b := range f.Blocks {
		t := b.Terminator()
		if t == nil {
			continue
		}
		for slot, c := range t.Targets {
			if c.Block != nil && c.Block.ID >= 0 && c.Block.ID < n {
				id := c.Block.ID
				s.edgesByID[id] = append(s.edgesByID[id], edgeRef{b, t, slot})
			}
		}
	}
	return s.edgesByID
}

// pruneOnEntry is removeUnreachable at the start of a pass, skipped when
// the previous pass left nothing to remove: it ended with that walk
// (Fold) or handed on a CFG that reaches every block.
func pruneOnEntry(f *Func) {
	s := f.scratchSpace()
	if s.inPipeline && (s.prunedAt == s.run-1 || s.cfgValidAt == s.run && len(s.cfg.RPO) == len(f.Blocks)) {
		return
	}
	removeUnreachable(f)
}

// prunedLast says that the running pass leaves no unreachable block (its
// last change was removeUnreachable, or it changed no branch of a function
// whose blocks were all reachable), so the next pass's pruneOnEntry has
// nothing to do.
func (f *Func) prunedLast() {
	if s := f.scratchSpace(); s.inPipeline {
		s.prunedAt = s.run
	}
}

// removeUnreachable deletes the blocks the entry cannot reach (following
// only branches to blocks in the layout, as ComputeCFG does).
func removeUnreachable(f *Func) {
	entry := f.Entry()
	n := f.NumBlockIDs()
	if entry == nil || entry.ID < 0 || entry.ID >= n {
		f.Blocks = f.Blocks[:0]
		return
	}
	s := f.scratchSpace()
	s.inLayout = resize(s.inLayout, n)
	s.reachable = resize(s.reachable, n)
	clear(s.inLayout)
	clear(s.reachable)
	for _, b := range f.Blocks {
		if b.ID >= 0 && b.ID < n {
			s.inLayout[b.ID] = true
		}
	}
	work := append(s.blocks[:0], entry)
	s.reachable[entry.ID] = true
	count := 1
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		t := b.Terminator()
		if t == nil {
			continue
		}
		for _, c := range t.Targets {
			x := c.Block
			if x != nil && x.ID >= 0 && x.ID < n && s.inLayout[x.ID] && !s.reachable[x.ID] {
				s.reachable[x.ID] = true
				count++
				work = append(work, x)
			}
		}
	}
	s.blocks = work
	if count == len(f.Blocks) {
		return
	}
	s.cfgValidAt, s.domValidAt = -1, -1
	kept := f.Blocks[:0]
	for _, b := range f.Blocks {
		if b.ID >= 0 && b.ID < n && s.reachable[b.ID] {
			kept = append(kept, b)
		}
	}
	clear(f.Blocks[len(kept):])
	f.Blocks = kept
}
