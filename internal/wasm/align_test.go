package wasm

import (
	"strings"
	"testing"
)

// TestNaturalAlign checks NaturalAlign against the access width that every
// memory instruction's name spells out.
func TestNaturalAlign(t *testing.T) {
	n := 0
	for _, prefix := range []Opcode{0, 0xFC00, 0xFD00} {
		for i := range Opcode(256) {
			op := prefix | i
			info := op.Info()
			if info == nil {
				continue
			}
			if info.Imm != ImmMemArg && info.Imm != ImmMemArgLane {
				if got := op.NaturalAlign(); got != 0 {
					t.Errorf("%s: NaturalAlign = %d, want 0 (no memarg)", info.Name, got)
				}
				continue
			}
			n++
			if got, want := op.NaturalAlign(), alignFromName(info.Name); got != want {
				t.Errorf("%s: NaturalAlign = %d, want %d", info.Name, got, want)
			}
		}
	}
	if n != 45 {
		t.Errorf("checked %d memory instructions, want 45", n)
	}
}

// alignFromName reads the access width from a memory instruction's name:
// i64.load16_s reads 2 bytes, v128.load8x8_s 8, f32.store 4, v128.load 16.
func alignFromName(name string) uint32 {
	ty, op, _ := strings.Cut(name, ".")
	switch {
	case strings.Contains(op, "x"):
		return 3
	case strings.Contains(op, "8"):
		return 0
	case strings.Contains(op, "16"):
		return 1
	case strings.Contains(op, "32"):
		return 2
	case strings.Contains(op, "64"):
		return 3
	}
	switch ty {
	case "i32", "f32":
		return 2
	case "i64", "f64":
		return 3
	}
	return 4
}
