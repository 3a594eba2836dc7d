package ssa

// BCE removes redundant bounds checks. A bounds check is
//
//	end = iadd idx, k        (k a constant; idx = uextend of an i32)
//	c   = icmp ugt end, len  (or icmp ult len, end)
//	trapnz c, code
//
// or, for a constant address, the same with end a constant. Once such a
// check has passed, end <= len holds, and because idx is below 2^32 and k
// is small nothing wraps around: every later check of the same idx
// against the same len value with a constant no larger than k is true
// too, and so is any check of a constant end <= k against that len (len
// >= idx + k >= k). Walking the dominator tree with a scoped table of the
// largest constant checked per (idx, len) and the largest length proven
// per len, a check that a dominating one already implies is removed; the
// compare and addition it leaves unused are DCE's. Nothing else moves, so
// traps keep their order and codes.
func BCE(f *Func) {
	// BCE removes only traps, never a branch: the analyses stay current,
	// and the instructions that remain are as GVN left them.
	defer f.keepAnalyses()
	defer f.keepGVN()
	defer f.keepFold()
	if f.trapnzs < 2 {
		return // no check for another to imply: most functions of Go's code
	}
	cfg := f.scratchCFG()
	if len(cfg.RPO) == 0 {
		return
	}
	dom := f.scratchDomTree(cfg)
	// table[{idx, len}] is the largest k checked for idx; idx NoValue
	// holds the largest length proven for len.
	s := f.scratchSpace()
	if s.bceTable == nil {
		s.bceTable = map[bceKey]uint64{}
	}
	table := s.bceTable // empty: every walk undoes all it added
	log := s.bceLog[:0]
	defer func() { s.bceLog = log[:0] }()
	raise := func(k bceKey, v uint64) {
		prev, had := table[k]
		if had && prev >= v {
			return
		}
		log = append(log, bceUndo{k, prev, had})
		table[k] = v
	}
	stack := append(f.scratchSpace().domStack[:0], domFrame{b: cfg.RPO[0]})
	defer func() { f.scratchSpace().domStack = stack[:0] }()
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.visited {
			for len(log) > top.logLen {
				u := log[len(log)-1]
				log = log[:len(log)-1]
				if u.had {
					table[u.key] = u.prev
				} else {
					delete(table, u.key)
				}
			}
			stack = stack[:len(stack)-1]
			continue
		}
		top.visited = true
		top.logLen = len(log)
		b := top.b
		kept := b.Insts[:0]
		for _, in := range b.Insts {
			if in.Op == OpTrapnz {
				if idx, k, n, ok := boundsCheck(f, in.Args[0]); ok {
					if have, had := table[bceKey{idx, n}]; had && have >= k {
						continue // implied by a dominating check
					}
					raise(bceKey{idx, n}, k)
					raise(bceKey{NoValue, n}, k)
				}
			}
			kept = append(kept, in)
		}
		clear(b.Insts[len(kept):])
		b.Insts = kept
		kids := dom.Children(b)
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, domFrame{b: kids[i]})
		}
	}
}

type bceKey struct{ idx, len Value }

// bceUndo restores one table entry when the walk leaves a subtree.
type bceUndo struct {
	key  bceKey
	prev uint64
	had  bool
}

// bceMaxK bounds the constants BCE reasons about, so that idx + k (idx
// below 2^32) can never wrap around 64 bits.
const bceMaxK = 1 << 40

// boundsCheck matches c as "end > len" for end = idx + k with idx a
// uextend result (or end = k, idx NoValue), all i64, k <= bceMaxK.
func boundsCheck(f *Func, c Value) (idx Value, k uint64, n Value, ok bool) {
	cmp, _ := f.ValueInst(c)
	if cmp == nil || cmp.Op != OpIcmp {
		return NoValue, 0, NoValue, false
	}
	var end Value
	switch cmp.IntCC {
	case IntUGT:
		end, n = cmp.Args[0], cmp.Args[1]
	case IntULT:
		n, end = cmp.Args[0], cmp.Args[1]
	default:
		return NoValue, 0, NoValue, false
	}
	if f.ValueType(end) != I64 {
		return NoValue, 0, NoValue, false
	}
	if k, ok := f.IntConst(end); ok && k <= bceMaxK {
		return NoValue, k, n, true
	}
	add, _ := f.ValueInst(end)
	if add == nil || add.Op != OpIadd {
		return NoValue, 0, NoValue, false
	}
	x, y := add.Args[0], add.Args[1]
	if _, isConst := f.IntConst(x); isConst {
		x, y = y, x
	}
	k, isConst := f.IntConst(y)
	if !isConst || k > bceMaxK {
		return NoValue, 0, NoValue, false
	}
	if ext, _ := f.ValueInst(x); ext == nil || ext.Op != OpUextend {
		return NoValue, 0, NoValue, false
	}
	return x, k, n, true
}
