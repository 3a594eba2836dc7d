package binary

import (
	"runtime"
	"testing"
	"time"
)

// Declared sizes far beyond the input must fail at once, without
// allocating for them.
func TestHostileSizes(t *testing.T) {
	typeSig := []byte{0x60, 0, 0}
	cases := []struct {
		name string
		b    []byte
	}{
		// 2^32-1 types in a 50-byte file.
		{"types", module(sec(1, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, typeSig, typeSig, typeSig, typeSig, typeSig, typeSig, typeSig, typeSig, typeSig, typeSig, typeSig))},
		// A 4 GiB data segment in a 100-byte file.
		{"data", module(sec(11, 1, 1, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, make([]byte, 80)))},
		// A body declaring 2^32 locals (two runs of 2^31).
		{"locals", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0),
			sec(10, 1, 13, 2, []byte{0x80, 0x80, 0x80, 0x80, 0x08}, 0x7f, []byte{0x80, 0x80, 0x80, 0x80, 0x08}, 0x7f, 0x0b))},
		// One run of 2^32-1 locals.
		{"locals one run", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0),
			sec(10, 1, 8, 1, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0x7f, 0x0b))},
		// 2^32-1 br_table targets.
		{"br_table", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0),
			sec(10, 1, 12, 0, 0x41, 0, 0x0e, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0, 0, 0x0b))},
		// 2^32-1 element items and 2^32-1 imports.
		{"elems", module(sec(9, 1, 1, 0, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0, 0, 0))},
		{"imports", module(sec(2, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, make([]byte, 60)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Decode(c.b)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("decoded a hostile module")
			}
			if elapsed > 50*time.Millisecond {
				t.Errorf("took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
			t.Logf("%d bytes: %v (%v)", len(c.b), err, elapsed)
		})
	}
}
