package moat

import (
	"fmt"
	"testing"
)

// TestAutoReportsEngineInUse: an engine made with EngineAuto reports the
// engine it picked, and that is the engine that runs its code.
func TestAutoReportsEngineInUse(t *testing.T) {
	auto, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := EngineInterpreter
	if _, err := NewEngine(Config{Engine: EngineCompiler}); err == nil {
		want = EngineCompiler
	}
	if got := auto.Config().Engine; got != want {
		t.Fatalf("Config().Engine = %v, want %v", got, want)
	}
	explicit, err := NewEngine(Config{Engine: want})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprintf("%T", auto.impl), fmt.Sprintf("%T", explicit.impl); a != b {
		t.Errorf("auto runs %s, but reports %v, which runs %s", a, want, b)
	}
	interp, err := NewEngine(Config{Engine: EngineInterpreter})
	if err != nil {
		t.Fatal(err)
	}
	if got := interp.Config().Engine; got != EngineInterpreter {
		t.Errorf("interpreter engine reports %v", got)
	}
}

// TestAutoRefusesBadCompilerConfig: a configuration the compiler refuses is
// an error under EngineAuto too, never a silent switch to the interpreter.
func TestAutoRefusesBadCompilerConfig(t *testing.T) {
	if _, err := NewEngine(Config{Engine: EngineCompiler}); err != nil {
		t.Skipf("no compiler here: %v", err)
	}
	bad := Config{MemoryReservation: 1 << 62, MemoryGuardSize: 1 << 62}
	if _, err := NewEngine(Config{Engine: EngineCompiler, MemoryReservation: bad.MemoryReservation, MemoryGuardSize: bad.MemoryGuardSize}); err == nil {
		t.Fatal("the compiler accepts the reservation; pick another bad setting")
	}
	e, err := NewEngine(bad)
	if err == nil {
		t.Fatalf("auto accepted a reservation the compiler refuses, running %v", e.Config().Engine)
	}
}
