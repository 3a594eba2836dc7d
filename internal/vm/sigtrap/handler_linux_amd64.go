//go:build linux && amd64

package sigtrap

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
)

// Supported reports whether this platform has the handler.
const Supported = true

// The handler's verdicts (the fault exit receives one in RAX). Named
// constants reach the assembly through go_asm.h as const_<name>.
const (
	classNone         = 0 // not moat's fault: forward it
	classOutOfBounds  = uint32(abi.TrapMemoryOutOfBounds)
	classStack        = uint32(abi.TrapStackExhausted)
	classDivideByZero = uint32(abi.TrapIntegerDivideByZero)
	classUnreachable  = uint32(abi.TrapUnreachable)
	// Unexplained is the class of a fault at a PC in generated code that
	// matches no rule: a bug in moat, which the runtime reports and dies of.
	Unexplained      = 0xFFFF
	classUnexplained = Unexplained
)

// Offsets into the kernel's siginfo_t and ucontext_t (linux/amd64): the
// fault's si_code and si_addr; uc_mcontext.gregs[REG_*] start at byte 40.
const (
	siCode   = 8
	siAddr   = 16
	ucGregs  = 40
	ucRDI    = ucGregs + 8*8
	ucRSI    = ucGregs + 9*8
	ucRDX    = ucGregs + 12*8
	ucRAX    = ucGregs + 13*8
	ucRCX    = ucGregs + 14*8
	ucR15    = ucGregs + 7*8
	ucRIP    = ucGregs + 16*8
	ucEFLAGS = ucGregs + 17*8
	// flagDF is the direction flag in EFLAGS.
	flagDF = 1 << 10
)

// Signal numbers and sigaction flags (linux/amd64).
const (
	sigILL  = 4
	sigBUS  = 7
	sigFPE  = 8
	sigSEGV = 11
	sigURG  = 23

	saSIGINFO   = 0x4
	saONSTACK   = 0x08000000
	saRESTORER  = 0x04000000
	saRESETHAND = 0x80000000
	sigDFL      = 0
	sigIGN      = 1
)

// Signals lists the signals the handler takes. SIGURG is the Go runtime's
// preemption signal: the handler only looks at it (see doc.go) and always
// forwards it.
var Signals = []syscall.Signal{sigSEGV, sigBUS, sigFPE, sigILL, sigURG}

// ctxEpochDeadline is where the handler pokes the context of code that
// SIGURG interrupted.
const ctxEpochDeadline = abi.CtxEpochDeadline

// sigaction is the kernel's struct sigaction for rt_sigaction on amd64.
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// prevActions are the dispositions the handler forwards to, by signal
// number. Written only while the handler is not installed for that signal
// (see Install), read by it.
var prevActions [65]sigaction

// took records the signals Install has taken over at least once.
var took [65]bool

// faultExit is where a classified fault continues (SetFaultExit).
var faultExit uintptr

// Implemented in handler_linux_amd64.s.
func sigHandler()
func sigReturn()
func handlerAddr() uintptr
func restorerAddr() uintptr
func classifyFault(sig uint32, pc, addr uintptr) uint32

func rtSigaction(sig syscall.Signal, act, old *sigaction) error {
	_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// SetFaultExit sets the address at which a thread continues after a
// classified fault, with RAX = class, RCX = faulting PC, RDX = data
// address (si_addr), RSI = signal number and every other register as at
// the fault (RSP and RBP included). The code there must use no stack: the
// fault may have been a stack overflow.
func SetFaultExit(addr uintptr) {
	atomic.StoreUintptr(&faultExit, addr)
}

// ErrNoFaultExit is returned by Install before SetFaultExit.
var ErrNoFaultExit = errors.New("sigtrap: no fault exit set")

// Install puts the handler in front of the current handler of each of
// Signals, remembering that one to forward to. It is idempotent, and it
// repairs: a signal whose handler has been put back to the one the
// handler forwards to (the Go runtime re-setting its own) gets the handler
// again. A handler someone else installed over it is left alone, since it
// may forward to this one (Wasmtime's does); Installed reports it.
func Install() error {
	if atomic.LoadUintptr(&faultExit) == 0 {
		return ErrNoFaultExit
	}
	mu.Lock()
	defer mu.Unlock()
	h := handlerAddr()
	for _, sig := range Signals {
		var cur sigaction
		if err := rtSigaction(sig, nil, &cur); err != nil {
			return fmt.Errorf("sigtrap: reading the %v handler: %w", sig, err)
		}
		if cur.handler == h {
			continue
		}
		prev := &prevActions[sig]
		if took[sig] && cur.handler != prev.handler {
			continue // someone else's, installed after ours
		}
		// Not installed for sig now, so the handler cannot be reading
		// prevActions[sig] while it is written.
		*prev = cur
		act := sigaction{
			handler:  h,
			flags:    cur.flags&^saRESETHAND | saSIGINFO | saONSTACK | saRESTORER,
			restorer: cur.restorer,
			mask:     cur.mask,
		}
		if cur.flags&saRESTORER == 0 || cur.restorer == 0 {
			act.restorer = restorerAddr()
		}
		if cur.handler == sigDFL || cur.handler == sigIGN {
			act.mask = ^uint64(0) // as the Go runtime's: nothing interrupts the handler
		}
		if err := rtSigaction(sig, &act, nil); err != nil {
			return fmt.Errorf("sigtrap: installing the %v handler: %w", sig, err)
		}
		took[sig] = true
	}
	return nil
}

// Ensure is the cheap check made before every guard-page memory is used:
// one system call reads SIGSEGV's handler, and only when it has become the
// handler moat's forwards to (the Go runtime's, put back) does Ensure
// repair every signal with Install. A foreign handler in front of moat's
// is left alone.
func Ensure() error {
	var cur sigaction
	if err := rtSigaction(sigSEGV, nil, &cur); err != nil {
		return fmt.Errorf("sigtrap: reading the SIGSEGV handler: %w", err)
	}
	if cur.handler == handlerAddr() {
		return nil
	}
	mu.Lock()
	repair := !took[sigSEGV] || cur.handler == prevActions[sigSEGV].handler
	mu.Unlock()
	if !repair {
		return nil
	}
	return Install()
}

// Installed reports whether the handler is the current handler of every
// one of Signals.
func Installed() bool {
	h := handlerAddr()
	for _, sig := range Signals {
		var cur sigaction
		if rtSigaction(sig, nil, &cur) != nil || cur.handler != h {
			return false
		}
	}
	return true
}

// classify is the handler's verdict on a fault (the assembly's, callable
// from tests).
func classify(sig syscall.Signal, pc, addr uintptr) uint32 {
	return classifyFault(uint32(sig), pc, addr)
}
