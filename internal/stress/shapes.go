package stress

// Shapes that are cheap to encode but large in what a compiler builds for
// each byte: each is one exported function "f" (i32) -> i32 of about the
// given number of repetitions, for measuring compile memory per byte of
// input and for the tests that hold it to a bound.

const (
	opBlock   = 0x02
	opBrTable = 0x0e
	opSelect  = 0x1b
)

// IfChain is n `if`s in a row, each setting the parameter to a non-zero
// constant when the parameter is non-zero: 9 bytes, one block and one
// merge each.
// f(x) is IfChainResult(n, x).
func IfChain(n int) []byte {
	var body []byte
	body = uleb(body, 0) // no locals
	for i := range n {
		body = append(body, localGet, 0, opIf, blockEmpty, i32Const)
		body = sleb(body, int64(i&62+1))
		body = append(body, localSet, 0, opEnd)
	}
	body = append(body, localGet, 0, opEnd)
	return funcModule(body)
}

// IfChainResult is what IfChain(n)'s f returns for x.
func IfChainResult(n int, x uint32) uint32 {
	for i := range n {
		if x != 0 {
			x = uint32(i&62 + 1)
		}
	}
	return x
}

// NestedBlocks is depth `block`s, one inside the other, then as many
// `end`s: two bytes a block. f(x) is x.
func NestedBlocks(depth int) []byte {
	var body []byte
	body = uleb(body, 0)
	for range depth {
		body = append(body, opBlock, blockEmpty)
	}
	for range depth {
		body = append(body, opEnd)
	}
	body = append(body, localGet, 0, opEnd)
	return funcModule(body)
}

// BrTable is one br_table of targets labels (all 0, one byte each) inside
// a block, on the parameter. f(x) is x.
func BrTable(targets int) []byte {
	var body []byte
	body = uleb(body, 0)
	body = append(body, opBlock, blockEmpty, localGet, 0, opBrTable)
	body = uleb(body, uint64(targets))
	for range targets + 1 { // the targets, then the default
		body = append(body, 0)
	}
	body = append(body, opEnd, localGet, 0, opEnd)
	return funcModule(body)
}

// ManyLocals declares locals i32 locals in one group (a few bytes) and
// returns the parameter: what a compiler spends on locals it never uses.
func ManyLocals(locals int) []byte {
	var body []byte
	body = uleb(body, 1)
	body = uleb(body, uint64(locals))
	body = append(body, i32, localGet, 0, opEnd)
	return funcModule(body)
}

// SelectChain is n selects in a row, each choosing between the running
// value and a constant on the parameter: 6-7 bytes each. f(x) is
// SelectChainResult(n, x).
func SelectChain(n int) []byte {
	var body []byte
	body = uleb(body, 0)
	body = append(body, localGet, 0)
	for i := range n {
		body = append(body, i32Const)
		body = sleb(body, int64(i&63))
		body = append(body, localGet, 0, opSelect)
	}
	body = append(body, opEnd)
	return funcModule(body)
}

// SelectChainResult is what SelectChain(n)'s f returns for x.
func SelectChainResult(n int, x uint32) uint32 {
	v := x
	for i := range n {
		if x == 0 {
			v = uint32(i & 63)
		}
	}
	return v
}

// BrTableDepths is depth nested blocks of result i32, each adding 1 to
// the result of the one inside it, and in the innermost one a br_table of
// targets labels cycling through every depth (then a default, depth
// targets%depth), carrying a constant 0: every depth needs its own moves
// of the constant, so a translator that pairs each target with an earlier
// one of the same depth by scanning does targets × depth work. f(x) is
// BrTableDepthsResult(depth, targets, x).
func BrTableDepths(depth, targets int) []byte {
	depth = max(depth, 1)
	var body []byte
	body = uleb(body, 0)
	for range depth {
		body = append(body, opBlock, i32)
	}
	body = append(body, i32Const, 0, localGet, 0, opBrTable)
	body = uleb(body, uint64(targets))
	for i := range targets + 1 { // the targets, then the default
		body = uleb(body, uint64(i%depth))
	}
	for range depth {
		body = append(body, opEnd, i32Const, 1, i32Add)
	}
	body = append(body, opEnd)
	return funcModule(body)
}

// BrTableDepthsResult is what BrTableDepths(depth, targets)'s f returns
// for x: a branch out of the block at depth k passes the ends of the
// blocks from k outwards, each adding 1.
func BrTableDepthsResult(depth, targets int, x uint32) uint32 {
	depth = max(depth, 1)
	k := targets % depth
	if uint64(x) < uint64(targets) {
		k = int(x) % depth
	}
	return uint32(depth - k)
}
