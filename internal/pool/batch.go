package pool

// ResetBatch is how many warm slots given back a pool resets together, in
// one pass over their page tables, at most (reset_batch_linux.go): a pool
// whose users hold fewer slots than it has, by this many, has each of its
// slots wait after its memory is freed until enough others are given back
// or a taker finds no other free slot.
const ResetBatch = 16

// batchFor is the batch of a pool of n slots: ResetBatch, or half the
// slots in a smaller pool, so that a pool of one to three slots (most
// tests' and embedders' with few memories) resets each slot as it is
// given back.
func batchFor(n int) int {
	b := min(ResetBatch, n/2)
	if b < 2 {
		return 0
	}
	return b
}
