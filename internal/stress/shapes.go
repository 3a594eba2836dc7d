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
