package amd64

import (
	"errors"

	"golang.org/x/sys/cpu"
)

// The generated code assumes x86-64-v2 plus LZCNT and BMI1's TZCNT
// (roundss/roundsd from SSE4.1, popcnt, lzcnt, tzcnt): every x86-64 CPU since
// about 2013 has them. An engine asks CPUSupported once and refuses the
// compiler otherwise (the interpreter still runs).

// ErrCPU says the host processor lacks an instruction set extension the
// compiled code uses.
var ErrCPU = errors.New("amd64: the compiler needs SSE4.1, POPCNT, LZCNT and BMI1 (x86-64-v2 or later)")

var cpuOK = cpu.X86.HasSSE41 && cpu.X86.HasPOPCNT && cpu.X86.HasBMI1 && cpu.X86.HasLZCNT

// CPUSupported reports whether code from this package can run on the host
// processor (checked once, at startup). On other architectures it reports
// false, which only matters to an engine that would run the code here.
func CPUSupported() error {
	if !cpuOK {
		return ErrCPU
	}
	return nil
}
