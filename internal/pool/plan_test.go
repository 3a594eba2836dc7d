package pool

import (
	"testing"

	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
)

// PlanImage takes the data ahead of instantiation exactly when no step
// before the data segments could trap and every segment fits.
func TestPlanImage(t *testing.T) {
	tests := []struct {
		name     string
		wat      string
		ok       bool
		size     uint64
		segments int
	}{
		{"no data", `(module (memory 1))`, true, 0, 0},
		{"segments in order", `(module (memory 2) (data (i32.const 0) "ab") (data (i32.const 70000) "c") (data (i32.const 1) "x"))`, true, 70001, 3},
		{"empty segment skipped", `(module (memory 1) (data (i32.const 65536) ""))`, true, 0, 0},
		{"passive only", `(module (memory 1) (data "passive"))`, true, 0, 0},
		{"segment past the minimum", `(module (memory 1 2) (data (i32.const 65535) "ab"))`, false, 0, 0},
		{"offset from a global", `(module (global i32 (i32.const 8)) (memory 1) (data (global.get 0) "ab"))`, false, 0, 0},
		{"offset from an import", `(module (import "env" "g" (global i32)) (memory 1) (data (global.get 0) "ab"))`, false, 0, 0},
		{"imported memory", `(module (import "env" "m" (memory 1)) (data (i32.const 0) "ab"))`, false, 0, 0},
		{"element into an imported table", `(module (import "env" "t" (table 1 funcref)) (func) (elem (i32.const 0) 0) (memory 1) (data (i32.const 0) "ab"))`, false, 0, 0},
		{"element past its table", `(module (table 1 funcref) (func) (elem (i32.const 1) 0) (memory 1) (data (i32.const 0) "ab"))`, false, 0, 0},
		{"element within its table", `(module (table 2 funcref) (func) (elem (i32.const 1) 0) (memory 1) (data (i32.const 0) "ab"))`, true, 2, 1},
		{"declarative elements", `(module (func) (elem declare func 0) (memory 1) (data (i32.const 0) "ab"))`, true, 2, 1},
		{"memory64", `(module (memory i64 1) (data (i64.const 4) "ab"))`, true, 6, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := text.ParseModule([]byte(tc.wat))
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Module(m); err != nil {
				t.Fatal(err)
			}
			p, ok := PlanImage(m, m.NumImportedMemories)
			if ok != tc.ok || (ok && (p.Size != tc.size || len(p.Segments) != tc.segments)) {
				t.Errorf("got ok=%v size=%d segments=%d, want ok=%v size=%d segments=%d",
					ok, p.Size, len(p.Segments), tc.ok, tc.size, tc.segments)
			}
		})
	}
}

// An image holds the segments in order, rounded up to a page, and is
// sealed: nothing can write to, grow or shrink it afterwards.
func TestImageSealed(t *testing.T) {
	p := Plan{Segments: []Segment{{0, []byte("abc")}, {1, []byte("X")}, {5000, []byte("z")}}, Size: 5001}
	img, err := NewImage(p, 4096)
	if err != nil {
		t.Skip(err) // no memfd here
	}
	defer img.Close()
	if img.Size() != 8192 {
		t.Errorf("size %d, want 8192", img.Size())
	}
	checkImage(t, img)
}
