package vm

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/cpu"

	"github.com/moat-run/moat/internal/abi"
)

// The stubs that switch between the Go stack and a native stack live in a
// code page of their own, outside the Go binary's text, because of how the
// Go runtime reads stacks. A profiling signal unwinds the interrupted
// goroutine starting from the signal's PC and SP: when the PC lies in Go's
// text (an assembly function) it takes the word at SP for a return address
// and keeps walking, so with SP on a native stack it would walk guest data
// and could fault inside the signal handler. When the PC is not Go code it
// stops at once. So every instruction that runs with RSP on a native stack
// is either generated code or one of these stubs, never Go text; the one Go
// assembly function, enterNative, jumps here before touching RSP.
//
//	enterTail:  mov rbp, [r15+ExitBP]         ; Go SP and BP already saved
//	            mov rsp, [r15+ExitSP]
//	            jmp qword ptr [r15+ResumeAddr]
//	exitStub:   mov rax, [rsp]                ; reached by call [r15+ExitStub]
//	            mov [r15+ResumeAddr], rax
//	            lea rax, [rsp+8]
//	            mov [r15+ExitSP], rax
//	            mov [r15+ExitBP], rbp
//	            mov rbp, [r15+GoBP]
//	            mov rsp, [r15+GoSP]
//	            ret                           ; returns from enterNative
//	returnStub: mov dword ptr [r15+ExitCode], ExitReturn
//	            mov [r15+ExitSP], rsp
//	            mov [r15+ExitBP], rbp
//	            mov rbp, [r15+GoBP]
//	            mov rsp, [r15+GoSP]
//	            ret
//	faultStub:  mov dword ptr [r15+ExitCode], ExitFault ; from the signal handler:
//	            mov [r15+ExitIndex], eax                ; the class,
//	            mov [r15+ResumeAddr], rcx               ; the faulting PC,
//	            mov [r15+ExitArgs], rdx                 ; the data address,
//	            mov [r15+ExitArgs+8], rsi               ; the signal
//	            mov [r15+ExitSP], rsp
//	            mov [r15+ExitBP], rbp
//	            vzeroupper                              ; (with AVX)
//	            mov rbp, [r15+GoBP]
//	            mov rsp, [r15+GoSP]
//	            ret
//
// The fault stub uses no stack before it switches to Go's: the fault may
// have been a native stack overflow. It relies on R15 holding the context
// at the faulting instruction, which generated code guarantees at every
// instruction (abi.ContextRegisterAMD64); the handler sends only faults at
// PCs in registered generated code here, never faults in these stubs.
type stubs struct {
	code                                       *Code // never closed: shared by the whole process
	enterTail, exitStub, returnStub, faultStub uintptr
}

var (
	stubsOnce sync.Once
	stubsVal  stubs
	stubsErr  error
)

// loadStubs maps the stubs on first use.
func loadStubs() (*stubs, error) {
	stubsOnce.Do(func() {
		text, enter, exit, ret, fault := stubCode(cpu.X86.HasAVX)
		c, err := MapCode(text)
		if err != nil {
			stubsErr = err
			return
		}
		base := c.Addr()
		stubsVal = stubs{code: c, enterTail: base + uintptr(enter), exitStub: base + uintptr(exit),
			returnStub: base + uintptr(ret), faultStub: base + uintptr(fault)}
	})
	if stubsErr != nil {
		return nil, stubsErr
	}
	return &stubsVal, nil
}

// Register numbers as in ModRM.
const (
	regRAX = 0
	regRCX = 1
	regRDX = 2
	regRSP = 4
	regRBP = 5
	regRSI = 6
)

// stubCode encodes the stubs with the abi offsets, always with 32-bit
// displacements so that the encoding does not depend on their values.
func stubCode(avx bool) (text []byte, enterTail, exitStub, returnStub, faultStub int) {
	var b []byte
	disp := func(d int) { b = binary.LittleEndian.AppendUint32(b, uint32(d)) }
	// mov reg, [r15+d]: REX.W+B, 8B, ModRM(mod=10, reg, rm=r15&7).
	load := func(reg byte, d int) { b = append(b, 0x49, 0x8b, 0x80|reg<<3|7); disp(d) }
	// mov [r15+d], reg
	store := func(reg byte, d int) { b = append(b, 0x49, 0x89, 0x80|reg<<3|7); disp(d) }

	enterTail = len(b)
	load(regRBP, abi.CtxExitBP)
	load(regRSP, abi.CtxExitSP)
	b = append(b, 0x41, 0xff, 0xa7) // jmp qword ptr [r15+d]
	disp(abi.CtxResumeAddr)

	exitStub = len(b)
	b = append(b, 0x48, 0x8b, 0x04, 0x24) // mov rax, [rsp]
	store(regRAX, abi.CtxResumeAddr)
	b = append(b, 0x48, 0x8d, 0x44, 0x24, 0x08) // lea rax, [rsp+8]
	store(regRAX, abi.CtxExitSP)
	store(regRBP, abi.CtxExitBP)
	load(regRBP, abi.CtxGoBP)
	load(regRSP, abi.CtxGoSP)
	b = append(b, 0xc3) // ret

	returnStub = len(b)
	b = append(b, 0x41, 0xc7, 0x87) // mov dword ptr [r15+d], imm32
	disp(abi.CtxExitCode)
	disp(int(abi.ExitReturn))
	store(regRSP, abi.CtxExitSP)
	store(regRBP, abi.CtxExitBP)
	load(regRBP, abi.CtxGoBP)
	load(regRSP, abi.CtxGoSP)
	b = append(b, 0xc3)

	faultStub = len(b)
	b = append(b, 0x41, 0xc7, 0x87)
	disp(abi.CtxExitCode)
	disp(int(abi.ExitFault))
	b = append(b, 0x41, 0x89, 0x80|regRAX<<3|7) // mov dword ptr [r15+d], eax
	disp(abi.CtxExitIndex)
	store(regRCX, abi.CtxResumeAddr)
	store(regRDX, abi.CtxExitArgs)
	store(regRSI, abi.CtxExitArgs+8)
	store(regRSP, abi.CtxExitSP)
	store(regRBP, abi.CtxExitBP)
	if avx {
		b = append(b, 0xc5, 0xf8, 0x77) // vzeroupper
	}
	load(regRBP, abi.CtxGoBP)
	load(regRSP, abi.CtxGoSP)
	b = append(b, 0xc3)
	return b, enterTail, exitStub, returnStub, faultStub
}
