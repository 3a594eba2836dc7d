package sigtrap

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Fake ranges: classification is a table lookup, nothing is mapped there.
const (
	fakeCode  = uintptr(0x6100_0000_0000)
	fakeRes   = uintptr(0x6200_0000_1000)
	fakeStack = uintptr(0x6300_0000_0000)
	resSize   = 4<<30 + 64<<20
)

func registerFakes(t *testing.T) {
	t.Helper()
	if err := RegisterCode(fakeCode, 64<<10); err != nil {
		t.Fatal(err)
	}
	if err := RegisterReservation(fakeRes, resSize); err != nil {
		t.Fatal(err)
	}
	if err := RegisterStackGuard(fakeStack, 64<<10); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		UnregisterCode(fakeCode, 64<<10)
		UnregisterReservation(fakeRes, resSize)
		UnregisterStackGuard(fakeStack, 64<<10)
	})
}

// TestClassify checks the assembly's verdicts, edges included.
func TestClassify(t *testing.T) {
	registerFakes(t)
	pc := fakeCode + 100
	cases := []struct {
		name    string
		sig     syscall.Signal
		pc, adr uintptr
		want    uint32
	}{
		{"Go code", sigSEGV, uintptr(unsafe.Pointer(&codeTable)), fakeRes, classNone},
		{"below the code", sigSEGV, fakeCode - 1, fakeRes, classNone},
		{"past the code", sigSEGV, fakeCode + 64<<10, fakeRes, classNone},
		{"first byte of code", sigSEGV, fakeCode, fakeRes, classOutOfBounds},
		{"last byte of code", sigSEGV, fakeCode + 64<<10 - 1, fakeRes, classOutOfBounds},
		{"reservation start", sigSEGV, pc, fakeRes, classOutOfBounds},
		{"reservation end", sigSEGV, pc, fakeRes + resSize - 1, classOutOfBounds},
		{"granule boundary", sigSEGV, pc, fakeRes&^(1<<32-1) + 1<<32, classOutOfBounds},
		{"SIGBUS", sigBUS, pc, fakeRes + 4<<30, classOutOfBounds},
		{"before the reservation", sigSEGV, pc, fakeRes - 1, Unexplained},
		{"past the reservation", sigSEGV, pc, fakeRes + resSize, Unexplained},
		{"stack guard", sigSEGV, pc, fakeStack + 8, classStack},
		{"stack guard end", sigSEGV, pc, fakeStack + 64<<10 - 1, classStack},
		{"past the stack guard", sigSEGV, pc, fakeStack + 64<<10, Unexplained},
		{"nil", sigSEGV, pc, 0, Unexplained},
		{"non-canonical", sigSEGV, pc, 1 << 63, Unexplained},
		{"divide", sigFPE, pc, pc, classDivideByZero},
		{"ud2", sigILL, pc, pc, classUnreachable},
		{"other signal", syscall.SIGTRAP, pc, 0, Unexplained},
	}
	for _, c := range cases {
		if got := classify(c.sig, c.pc, c.adr); got != c.want {
			t.Errorf("%s: classify(%v, %#x, %#x) = %#x, want %#x", c.name, c.sig, c.pc, c.adr, got, c.want)
		}
	}
}

// TestClassifyConcurrent classifies a fixed set of ranges while other
// goroutines register and unregister ranges around them: a reader never
// misses a range that stays registered, nor sees one that never was.
func TestClassifyConcurrent(t *testing.T) {
	registerFakes(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			base := uintptr(0x6400_0000_0000) + uintptr(w)<<40
			for i := uintptr(0); !stop.Load(); i = (i + 1) % 64 {
				c, r, s := base+i<<20, base+1<<36+i*resSize, base+1<<38+i<<20
				if RegisterCode(c, 4096) == nil {
					UnregisterCode(c, 4096)
				}
				if RegisterReservation(r, resSize) == nil {
					UnregisterReservation(r, resSize)
				}
				if RegisterStackGuard(s, 4096) == nil {
					UnregisterStackGuard(s, 4096)
				}
			}
		})
	}
	for i := 0; i < 200000; i++ {
		if got := classify(sigSEGV, fakeCode+uintptr(i%65536), fakeRes+uintptr(i)*4096); got != classOutOfBounds {
			t.Errorf("iteration %d: %#x", i, got)
			break
		}
		if got := classify(sigSEGV, fakeCode, fakeStack+uintptr(i%65536)); got != classStack {
			t.Errorf("iteration %d: stack %#x", i, got)
			break
		}
		if got := classify(sigSEGV, 0x6500_0000_0000, fakeRes); got != classNone {
			t.Errorf("iteration %d: unregistered code %#x", i, got)
			break
		}
	}
	stop.Store(true)
	wg.Wait()
}

// installForTest installs the handler with a fault exit no fault will
// reach (nothing registered is executed by these tests).
func installForTest(t *testing.T) {
	t.Helper()
	if atomic.LoadUintptr(&faultExit) == 0 {
		SetFaultExit(restorerAddr())
	}
	if err := Install(); err != nil {
		t.Fatal(err)
	}
	if !Installed() {
		t.Fatal("not installed after Install")
	}
}

// TestGoNilPanicForwarded: a nil dereference in Go code is still the Go
// runtime's panic with the handler in front.
func TestGoNilPanicForwarded(t *testing.T) {
	installForTest(t)
	for range 3 {
		err := func() (err any) {
			defer func() { err = recover() }()
			var p *int
			return *p
		}()
		re, ok := err.(runtime.Error)
		if !ok || re.Error() != "runtime error: invalid memory address or nil pointer dereference" {
			t.Fatalf("got %v, want the nil dereference panic", err)
		}
	}
}

// TestSentSignalsForwarded: a fault signal another thread sends (kill,
// tgkill: no faulting address) goes to the Go runtime, which hands it to
// os/signal.Notify, even while the handler's tables hold ranges.
func TestSentSignalsForwarded(t *testing.T) {
	installForTest(t)
	registerFakes(t)
	c := make(chan os.Signal, 1)
	for _, sig := range []syscall.Signal{syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGILL} {
		signal.Notify(c, sig)
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
		if got := <-c; got != sig {
			t.Fatalf("got %v, want %v", got, sig)
		}
		signal.Reset(sig)
	}
	if !Installed() {
		t.Fatal("handler gone after Notify and Reset")
	}
}

// TestSetPanicOnFaultForwarded: a fault in Go code on a PROT_NONE page
// (even one inside a registered reservation) gives the embedder's
// SetPanicOnFault panic, with the faulting address.
func TestSetPanicOnFaultForwarded(t *testing.T) {
	installForTest(t)
	page, err := unix.Mmap(-1, 0, 8192, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(page)
	addr := uintptr(unsafe.Pointer(&page[0]))
	// Registered as a reservation of moat's (a fake one, 4 GiB around it
	// would not be mapped): a Go PC still goes to Go.
	if err := RegisterCode(fakeCode, 4096); err != nil {
		t.Fatal(err)
	}
	defer UnregisterCode(fakeCode, 4096)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	got := func() (err any) {
		defer func() { err = recover() }()
		sink = page[100]
		return nil
	}()
	fe, ok := got.(interface{ Addr() uintptr })
	if !ok || fe.Addr() != addr+100 {
		t.Fatalf("got %v, want a fault panic at %#x", got, addr+100)
	}
}

// TestNotifyKeepsHandler: os/signal.Notify for the fault signals does not
// take them away from the handler, and Install repairs a handler the Go
// runtime's own disposition was put back over.
func TestNotifyKeepsHandler(t *testing.T) {
	installForTest(t)
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL)
	signal.Ignore(syscall.SIGFPE)
	signal.Reset(syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL)
	signal.Stop(c)
	if !Installed() {
		t.Fatal("os/signal took a fault signal away from the handler")
	}
	// Put Go's handler back for SIGSEGV, as if the runtime re-set it.
	prev := prevActions[sigSEGV]
	if err := rtSigaction(sigSEGV, &prev, nil); err != nil {
		t.Fatal(err)
	}
	if Installed() {
		t.Fatal("Installed does not see the handler replaced")
	}
	if err := Install(); err != nil {
		t.Fatal(err)
	}
	if !Installed() {
		t.Fatal("Install did not repair the SIGSEGV handler")
	}
	if prevActions[sigSEGV] != prev {
		t.Fatal("the repair changed the handler forwarded to")
	}
}

// TestEnsureRepairs: Ensure puts the handler back in front of the Go
// runtime's when that was re-set, and is a single system call otherwise.
func TestEnsureRepairs(t *testing.T) {
	installForTest(t)
	if err := Ensure(); err != nil || !Installed() {
		t.Fatalf("Ensure with the handler in place: %v", err)
	}
	prev := prevActions[sigSEGV]
	if err := rtSigaction(sigSEGV, &prev, nil); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(); err != nil || !Installed() {
		t.Fatalf("Ensure did not repair SIGSEGV: %v", err)
	}
}

// TestForeignHandlerLeftAlone: a handler installed over ours by someone
// else (which may forward to ours) is not replaced by Install.
func TestForeignHandlerLeftAlone(t *testing.T) {
	installForTest(t)
	var mine sigaction
	if err := rtSigaction(sigILL, nil, &mine); err != nil {
		t.Fatal(err)
	}
	foreign := mine
	foreign.handler = restorerAddr() // any address that is not ours nor Go's
	if err := rtSigaction(sigILL, &foreign, nil); err != nil {
		t.Fatal(err)
	}
	defer rtSigaction(sigILL, &mine, nil)
	if err := Install(); err != nil {
		t.Fatal(err)
	}
	var cur sigaction
	if err := rtSigaction(sigILL, nil, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.handler != foreign.handler {
		t.Fatal("Install replaced a foreign handler")
	}
}

var sink byte

func TestInstallNeedsFaultExit(t *testing.T) {
	saved := atomic.SwapUintptr(&faultExit, 0)
	defer SetFaultExit(saved)
	if err := Install(); !errors.Is(err, ErrNoFaultExit) {
		t.Fatalf("got %v, want ErrNoFaultExit", err)
	}
}

// TestForwardToDefault: where the disposition before the handler was
// SIG_DFL or SIG_IGN, a signal that is not moat's gets that disposition:
// a sent SIGILL kills the process by SIGILL, or is ignored. In
// subprocesses, with the remembered disposition replaced.
func TestForwardToDefault(t *testing.T) {
	for _, c := range []struct {
		mode string
		dies bool
	}{{"dfl", true}, {"ign", false}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestForwardToDefaultChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "MOAT_SIGTRAP_PREV="+c.mode)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case c.dies && (!errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGILL):
			t.Errorf("%s: want death by SIGILL, got %v:\n%s", c.mode, err, out)
		case !c.dies && (err != nil || !strings.Contains(string(out), "survived SIGILL")):
			t.Errorf("%s: want the signal ignored, got %v:\n%s", c.mode, err, out)
		}
	}
}

func TestForwardToDefaultChild(t *testing.T) {
	mode := os.Getenv("MOAT_SIGTRAP_PREV")
	if mode == "" {
		return
	}
	installForTest(t)
	// Nothing sends SIGILL while the remembered disposition changes.
	prevActions[sigILL] = sigaction{handler: sigDFL}
	if mode == "ign" {
		prevActions[sigILL].handler = sigIGN
	}
	// Sent to this very thread, the signal (and the handler's re-sent
	// one) is delivered before tgkill returns.
	runtime.LockOSThread()
	if err := syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGILL); err != nil {
		t.Fatal(err)
	}
	fmt.Println("survived SIGILL")
}
