package amd64

import (
	"testing"

	"golang.org/x/sys/cpu"
)

func TestFeaturesOf(t *testing.T) {
	for _, c := range []struct {
		avx, avx2, osxsave bool
		want               Features
	}{
		{false, false, false, Features{}},
		{true, true, false, Features{}}, // the OS does not save YMM: no VEX at all
		{true, false, true, Features{AVX: true}},
		{false, true, true, Features{}}, // AVX2 without AVX is not usable
		{true, true, true, Features{AVX: true, AVX2: true}},
	} {
		if got := featuresOf(c.avx, c.avx2, c.osxsave); got != c.want {
			t.Errorf("featuresOf(%v, %v, %v) = %v, want %v", c.avx, c.avx2, c.osxsave, got, c.want)
		}
	}
}

func TestHostFeatures(t *testing.T) {
	f := HostFeatures()
	if f.AVX != (cpu.X86.HasAVX && cpu.X86.HasOSXSAVE) || f.AVX2 && !f.AVX {
		t.Fatalf("HostFeatures() = %v, cpu.X86 = %+v", f, cpu.X86)
	}
	if got := (Features{AVX: true, AVX2: true}).String(); got != "avx,avx2" {
		t.Errorf("String() = %q", got)
	}
	t.Logf("host: %v", f)
}
