package vm

import "time"

// The chunks of a bulk operation are bounded in time, not only in bytes:
// what a byte costs varies by an order of magnitude. Memory a sandbox has
// not touched yet faults a page in at every 4 KiB (a copy from memory
// never written maps the zero page for its source as well: two faults a
// page), so a chunk of 256 KiB that memmove copies in about 20 µs took
// 200-270 µs over fresh pages, the whole of a spinning guest's first pass
// through its memory; and the runtime's stop-the-world waits for the
// longest chunk of every guest. So an operation starts with a chunk of
// firstChunk bytes and sizes each next chunk from the time the last one
// took, for chunkTime, between chunkGrain and BulkChunk bytes. Operations
// of up to firstChunk bytes are one chunk and read no clock, nor does the
// last chunk of any.

const (
	// chunkTime is the time a chunk is sized for.
	chunkTime = 25 * time.Microsecond
	// firstChunk is the first chunk, before any is measured: 8 pages,
	// under chunkTime even when every page faults.
	firstChunk = 32 << 10
	// chunkGrain: every chunk but an operation's last is a multiple of it
	// (a page), which keeps a fill's pattern of 1-16 bytes aligned from
	// one chunk to the next.
	chunkGrain = 4 << 10
	// chunkGrowth bounds how fast chunks grow from one to the next, so a
	// run of fast chunks over warm memory that meets fresh pages
	// overruns chunkTime by this factor at most once.
	chunkGrowth = 4
)

// chunkClock reads the time for chunkPace (a variable for tests).
var chunkClock = nanotime

// chunkPace sizes the chunks of one bulk operation. The zero value is not
// ready; newChunkPace makes one.
type chunkPace struct {
	bytes int   // the next chunk's size in bytes
	began int64 // chunkClock when the current chunk began
}

func newChunkPace() chunkPace { return chunkPace{bytes: firstChunk} }

// begin starts a chunk: it returns how many of left elements of elem bytes
// it takes. The operation's last chunk is not timed.
func (p *chunkPace) begin(left, elem int) int {
	k := min(left, p.bytes/elem)
	if k < left {
		p.began = chunkClock()
	}
	return k
}

// end sizes the next chunk from the time the one begun took.
func (p *chunkPace) end() { p.bytes = nextChunk(p.bytes, chunkClock()-p.began) }

// nextChunk is the size of the chunk after one of bytes that took took
// nanoseconds.
func nextChunk(bytes int, took int64) int {
	next := BulkChunk
	if took > 0 {
		next = int(min(int64(bytes)*int64(chunkTime)/took, BulkChunk))
	}
	next = min(next, bytes*chunkGrowth, BulkChunk)
	return max(next&^(chunkGrain-1), chunkGrain)
}
