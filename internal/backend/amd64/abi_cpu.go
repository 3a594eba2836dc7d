package amd64

import (
	"errors"
	"strings"

	"golang.org/x/sys/cpu"
)

// The generated code assumes x86-64-v2 (SSSE3, SSE4.1, SSE4.2, POPCNT) plus
// LZCNT and BMI1's TZCNT: every x86-64 CPU since about 2013 has them. An
// engine asks CPUSupported once and refuses the compiler otherwise (the
// interpreter still runs). AVX and AVX2 are optional: lowering may use their
// forms where Options.Features says the CPU has them.

// ErrCPU says the host processor lacks an instruction set extension the
// compiled code uses.
var ErrCPU = errors.New("amd64: the compiler needs x86-64-v2 (SSSE3, SSE4.1, SSE4.2, POPCNT) plus LZCNT and BMI1")

// Features is a set of instruction set extensions that generated code may
// use. The zero value is the baseline every supported CPU has (the
// SSE-only code paths); HostFeatures is what this processor and operating
// system offer. Tests set the fields to compile either path anywhere.
type Features struct {
	// AVX: the VEX-encoded 128-bit forms (three-operand, non-destructive),
	// with the OS saving the YMM state (CPUID.OSXSAVE and XCR0's SSE and
	// AVX bits, read with XGETBV): without that, VEX instructions fault.
	AVX bool
	// AVX2: integer broadcasts, per-lane variable shifts, vpblendd. Implies AVX.
	AVX2 bool
}

// String lists the optional extensions, or "baseline".
func (f Features) String() string {
	var s []string
	if f.AVX {
		s = append(s, "avx")
	}
	if f.AVX2 {
		s = append(s, "avx2")
	}
	if len(s) == 0 {
		return "baseline"
	}
	return strings.Join(s, ",")
}

// hostBaseline and hostFeatures are read once, at start-up.
var (
	hostBaseline = cpu.X86.HasSSSE3 && cpu.X86.HasSSE41 && cpu.X86.HasSSE42 && cpu.X86.HasPOPCNT &&
		cpu.X86.HasBMI1 && cpu.X86.HasLZCNT
	hostFeatures = featuresOf(cpu.X86.HasAVX, cpu.X86.HasAVX2, cpu.X86.HasOSXSAVE)
)

// featuresOf applies the rules that make a feature usable: AVX needs the
// OS to save the YMM state (golang.org/x/sys/cpu folds XGETBV's answer into
// HasAVX and HasAVX2 already; OSXSAVE is checked again as a guard), AVX2
// needs AVX.
func featuresOf(avx, avx2, osxsave bool) Features {
	avx = avx && osxsave
	return Features{AVX: avx, AVX2: avx && avx2}
}

// HostFeatures reports the optional extensions of the host processor that
// its operating system supports. On other architectures it is the baseline.
func HostFeatures() Features { return hostFeatures }

// CPUSupported reports whether code from this package can run on the host
// processor (checked once, at startup). On other architectures it reports
// false, which only matters to an engine that would run the code here.
func CPUSupported() error {
	if !hostBaseline {
		return ErrCPU
	}
	return nil
}
