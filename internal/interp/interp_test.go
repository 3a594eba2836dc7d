package interp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

func controlHosts() map[string]vm.HostFunc {
	return map[string]vm.HostFunc{
		"host.double": func(ctx context.Context, _ *vm.Store, _ *vm.Function, caller *vm.Instance, stack []uint64) error {
			if stack[0] == 13 {
				return errors.New("unlucky")
			}
			stack[0] = uint64(uint32(stack[0]) * 2)
			return nil
		},
	}
}

func newControl(t *testing.T, cfg Config) *testInstance {
	hosts := controlHosts()
	// reenter calls back into the instance's "call_double" export.
	var ti *testInstance
	hosts["host.reenter"] = func(ctx context.Context, _ *vm.Store, _ *vm.Function, caller *vm.Instance, stack []uint64) error {
		if caller != ti.inst {
			return errors.New("wrong caller")
		}
		if stack[0] == 0 {
			return nil
		}
		s := []uint64{stack[0] - 1}
		if err := caller.Exec().Call(ctx, ti.export("call_reenter"), s); err != nil {
			return err
		}
		stack[0] = s[0] + 10
		return nil
	}
	ti = instantiate(t, cfg, "control", hosts)
	return ti
}

// TestKernels runs the bench kernels; the checksums were cross-checked
// against wazero's interpreter.
func TestKernels(t *testing.T) {
	for _, k := range []struct {
		name string
		arg  uint64
		want uint64
	}{
		{"fib", 20, 6765},
		{"fib", 25, 75025},
		{"sieve", 100, 25 + 1060},
		{"sieve", 200000, 1709618797},
		{"matmul", 48, 21224448},
		{"memcopy", 6, 14009200605139899178},
		{"mandelbrot", 96, 271533},
	} {
		ti := instantiate(t, Config{}, k.name, nil)
		got := ti.mustCall(k.name, k.arg)[0]
		if got != k.want {
			t.Errorf("%s(%d) = %d, want %d", k.name, k.arg, got, k.want)
		}
	}
}

func TestControl(t *testing.T) {
	ti := newControl(t, Config{})
	check := func(name string, args []uint64, want ...uint64) {
		t.Helper()
		got := ti.mustCall(name, args...)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s%v = %v, want %v", name, args, got, want)
		}
	}
	check("sum", []uint64{100}, 5050)
	check("sum", []uint64{0}, 0)
	for i, want := range []uint64{100, 101, 102, 999, 999} {
		check("switch", []uint64{uint64(i)}, want)
	}
	check("switch", []uint64{0xffffffff}, 999)
	check("addsub", []uint64{10, 3}, 13, 7)
	check("addsub", []uint64{3, 10}, 13, uint64(uint32(0xfffffff9)))
	check("swap", []uint64{1, 2}, 2, 1)
	check("maxish", []uint64{3, 9}, 9)
	check("maxish", []uint64{9, 3}, 9)
	check("pending", []uint64{12}, 7)
	check("outer", []uint64{10, 2}, 6)
	check("indirect", []uint64{0, 41}, 42)
	check("call_double", []uint64{20}, 41)
	check("call_reenter", []uint64{3}, 30)
	minus := int64(5 - 0x8000)
	check("mem", []uint64{0x0001_8000_0000_0005}, uint64(minus))
	check("grow", []uint64{2}, 1)
	check("grow", []uint64{0}, 3)
	check("grow", []uint64{70000}, 0xffffffff)
}

func trapOf(t *testing.T, err error) *vm.Trap {
	t.Helper()
	var tr *vm.Trap
	if !errors.As(err, &tr) {
		t.Fatalf("want a trap, got %v", err)
	}
	return tr
}

func TestTraps(t *testing.T) {
	ti := newControl(t, Config{})
	ctx := context.Background()

	_, err := ti.call(ctx, "outer", 1, 0)
	tr := trapOf(t, err)
	if tr.Code != abi.TrapIntegerDivideByZero {
		t.Fatalf("code %v", tr.Code)
	}
	if len(tr.Frames) != 2 || tr.Frames[0].Func.DebugName() != "divide" || tr.Frames[1].Func != ti.export("outer") {
		t.Fatalf("frames:\n%s", tr.Backtrace())
	}
	divOff, callOff := tr.Frames[0].Offset, tr.Frames[1].Offset
	body := ti.m.Code[ti.export("divide").Index-ti.m.NumImportedFuncs]
	if divOff <= body.Offset || divOff >= body.Offset+len(body.Body) {
		t.Errorf("div offset 0x%x outside divide's body", divOff)
	}
	if callOff <= 0 {
		t.Errorf("call offset %d", callOff)
	}
	if tr.Error() != "integer divide by zero" {
		t.Errorf("message %q", tr.Error())
	}

	_, err = ti.call(ctx, "divide", 0x80000000, 0xffffffff)
	if tr := trapOf(t, err); tr.Code != abi.TrapIntegerOverflow {
		t.Errorf("overflow: %v", tr.Code)
	}
	for _, c := range []struct {
		i    uint64
		want abi.TrapCode
	}{{1, abi.TrapIndirectCallTypeMismatch}, {2, abi.TrapUninitializedElement}, {4, abi.TrapUndefinedElement}, {0xffffffff, abi.TrapUndefinedElement}} {
		_, err := ti.call(ctx, "indirect", c.i, 0)
		if tr := trapOf(t, err); tr.Code != c.want {
			t.Errorf("indirect(%d): %v, want %v", c.i, tr.Code, c.want)
		}
	}
	_, err = ti.call(ctx, "oob", 2)
	if tr := trapOf(t, err); tr.Code != abi.TrapMemoryOutOfBounds {
		t.Errorf("oob: %v", tr.Code)
	}
	if got := ti.mustCall("oob", 0); got[0] != 0 {
		t.Errorf("in-bounds load: %v", got)
	}

	// A host error becomes TrapHostError with the host frame innermost.
	_, err = ti.call(ctx, "call_double", 13)
	tr = trapOf(t, err)
	if tr.Code != abi.TrapHostError || tr.Cause == nil || tr.Cause.Error() != "unlucky" {
		t.Fatalf("host error: %v %v", tr.Code, tr.Cause)
	}
	if len(tr.Frames) != 2 || tr.Frames[0].Func.Host == nil || tr.Frames[1].Func != ti.export("call_double") {
		t.Errorf("host error frames:\n%s", tr.Backtrace())
	}
	// The instance still works after traps.
	if got := ti.mustCall("sum", 10); got[0] != 55 {
		t.Errorf("after traps: %v", got)
	}
}

func TestStackExhaustion(t *testing.T) {
	for _, cfg := range []Config{{}, {MaxCallDepth: 100}, {MaxStackBytes: 40000}} {
		ti := newControl(t, cfg)
		_, err := ti.call(context.Background(), "recurse", 0)
		tr := trapOf(t, err)
		if tr.Code != abi.TrapStackExhausted {
			t.Fatalf("%+v: %v", cfg, tr.Code)
		}
		if len(tr.Frames) == 0 || len(tr.Frames) > maxBacktrace {
			t.Errorf("%d frames", len(tr.Frames))
		}
	}
	// The depth limit counts across host re-entry.
	ti := newControl(t, Config{MaxCallDepth: 10})
	if got := ti.mustCall("call_reenter", 4); got[0] != 40 {
		t.Errorf("reenter 4: %v", got)
	}
	_, err := ti.call(context.Background(), "call_reenter", 20)
	if tr := trapOf(t, err); tr.Code != abi.TrapStackExhausted {
		t.Errorf("deep reentry: %v", tr.Code)
	}
}

func TestInterrupt(t *testing.T) {
	ti := newControl(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := ti.call(ctx, "spin")
		done <- err
	}()
	select {
	case err := <-done:
		if tr := trapOf(t, err); tr.Code != abi.TrapInterrupted {
			t.Fatalf("spin: %v", tr.Code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("spin was not interrupted")
	}
	// Already cancelled: traps at once; a fresh context still runs.
	_, err := ti.call(ctx, "sum", 5)
	if tr := trapOf(t, err); tr.Code != abi.TrapInterrupted {
		t.Errorf("cancelled ctx: %v", tr.Code)
	}
	if got := ti.mustCall("sum", 5); got[0] != 15 {
		t.Errorf("after interrupt: %v", got)
	}
	// A deadline works the same way.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer dcancel()
	_, err = ti.call(dctx, "spin")
	if tr := trapOf(t, err); tr.Code != abi.TrapInterrupted {
		t.Errorf("deadline: %v", tr.Code)
	}
}

func BenchmarkFib25(b *testing.B) {
	ti := instantiate(b, Config{}, "fib", nil)
	for b.Loop() {
		ti.mustCall("fib", 25)
	}
}

func BenchmarkKernels(b *testing.B) {
	for _, k := range []struct {
		name string
		arg  uint64
	}{{"fib", 25}, {"sieve", 200000}, {"matmul", 48}, {"memcopy", 6}, {"mandelbrot", 96}} {
		b.Run(k.name, func(b *testing.B) {
			ti := instantiate(b, Config{}, k.name, nil)
			for b.Loop() {
				ti.mustCall(k.name, k.arg)
			}
		})
	}
}
