package stress

// LiveAcrossMerges returns a module with one exported function "f"
// (i32) -> i32 that keeps locals i32 locals live across merges if/else
// merges: the locals are set from the parameter, then each merge compares
// the parameter with a constant and, on one arm, adds to one local and, on
// the other, changes another, so each merge point joins two values; at
// the end the function returns the sum of every local. Every local is live
// across every merge, so a compiler that keeps per-block state for each
// live value does locals × merges work. At 1,000 locals and 10,000 merges
// the module is about 280 KB.
//
// f(x) is computed by LiveAcrossMergesResult, so a test can check that the
// compiled code is right as well as fast.
func LiveAcrossMerges(locals, merges int) []byte {
	locals = max(locals, 1)
	var body []byte
	body = uleb(body, 1) // one local declaration group
	body = uleb(body, uint64(locals))
	body = append(body, i32)
	for k := 1; k <= locals; k++ {
		body = append(body, localGet, 0)
		body = append(body, i32Const)
		body = sleb(body, int64(k))
		body = append(body, i32Add, localSet)
		body = uleb(body, uint64(k))
	}
	for i := range merges {
		a, b := mergeLocals(i, locals)
		body = append(body, localGet, 0, i32Const)
		body = sleb(body, int64(i))
		body = append(body, i32GtU, opIf, blockEmpty)
		body = appendUpdate(body, a, i32Add, 1)
		body = append(body, opElse)
		body = appendUpdate(body, b, i32Xor, 3)
		body = append(body, opEnd)
	}
	body = append(body, localGet, 1)
	for k := 2; k <= locals; k++ {
		body = append(body, localGet)
		body = uleb(body, uint64(k))
		body = append(body, i32Add)
	}
	body = append(body, opEnd)
	return funcModule(body)
}

// LiveAcrossMergesResult is what LiveAcrossMerges(locals, merges)'s f
// returns for x.
func LiveAcrossMergesResult(locals, merges int, x uint32) uint32 {
	locals = max(locals, 1)
	v := make([]uint32, locals+1)
	for k := 1; k <= locals; k++ {
		v[k] = x + uint32(k)
	}
	for i := range merges {
		a, b := mergeLocals(i, locals)
		if x > uint32(i) {
			v[a]++
		} else {
			v[b] ^= 3
		}
	}
	var sum uint32
	for k := 1; k <= locals; k++ {
		sum += v[k]
	}
	return sum
}

// mergeLocals are the locals merge i changes on its then and else arms.
func mergeLocals(i, locals int) (a, b int) {
	return 1 + i%locals, 1 + (i*7+3)%locals
}

// appendUpdate appends local.set k (op (local.get k) (i32.const c)).
func appendUpdate(body []byte, k int, op byte, c int64) []byte {
	body = append(body, localGet)
	body = uleb(body, uint64(k))
	body = append(body, i32Const)
	body = sleb(body, c)
	body = append(body, op, localSet)
	return uleb(body, uint64(k))
}
