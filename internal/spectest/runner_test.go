package spectest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testdata/probe.wat (built into probe.wasm) is the module both scripts use;
// truncated.wasm is a header plus a lone section id (malformed), and
// invalid.wasm is built from invalid.wat with wat2wasm --no-check.

func TestGoodScriptPasses(t *testing.T) {
	r := RunFile(context.Background(), filepath.Join("testdata", "good.json"), Options{})
	for _, f := range r.Failures {
		t.Error(f)
	}
	if r.Passed != 13 || r.Failed != 0 || r.Skipped != 1 {
		t.Errorf("got %d passed, %d failed, %d skipped; want 13, 0, 1", r.Passed, r.Failed, r.Skipped)
	}
}

// TestWrongExpectationsFail feeds the runner a script whose every command
// after the first is wrong; each must be reported, none may pass.
func TestWrongExpectationsFail(t *testing.T) {
	r := RunFile(context.Background(), filepath.Join("testdata", "wrong.json"), Options{})
	if r.Passed != 0 {
		t.Errorf("%d wrong assertions passed", r.Passed)
	}
	failedLines := map[int]bool{}
	for _, f := range r.Failures {
		failedLines[f.Line] = true
		if f.Expected == "" || f.Got == "" || f.Command == "" {
			t.Errorf("incomplete failure report: %+v", f)
		}
	}
	for line := 2; line <= 23; line++ {
		if !failedLines[line] {
			t.Errorf("line %d: wrong expectation not reported", line)
		}
	}
	if r.Failed != 22 {
		t.Errorf("Failed = %d, want 22", r.Failed)
	}
	if testing.Verbose() {
		t.Log(r.String())
	}
}

func TestHangIsReported(t *testing.T) {
	start := time.Now()
	r := RunFile(context.Background(), filepath.Join("testdata", "hang.json"), Options{Timeout: 200 * time.Millisecond})
	if r.Failed != 1 || len(r.Failures) != 1 || r.Failures[0].Line != 2 {
		t.Fatalf("want one failure at line 2, got %s", r.String())
	}
	if d := time.Since(start); d > graceAfterTimeout+2*time.Second {
		t.Errorf("took %v", d)
	}
	t.Log(r.Failures[0])
}

func TestMissingFileFails(t *testing.T) {
	r := RunFile(context.Background(), filepath.Join("testdata", "absent.json"), Options{})
	if r.Failed != 1 || r.OK() {
		t.Fatalf("missing file not reported: %s", r.String())
	}
}

func TestValueParsing(t *testing.T) {
	e, err := parseValue(value{Type: "v128", LaneType: "i8", Value: []byte(`["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","255"]`)}, false)
	if err != nil {
		t.Fatal(err)
	}
	w := e.words()
	if w[0] != 0x0807060504030201 || w[1] != 0xff0f0e0d0c0b0a09 {
		t.Errorf("words %#x", w)
	}
	if !e.match(w) {
		t.Error("v128 does not match itself")
	}
	nan, _ := parseValue(value{Type: "v128", LaneType: "f32", Value: []byte(`["nan:canonical","nan:arithmetic","0","2147483648"]`)}, true)
	good := []uint64{0x7fc00001_ffc00000, 0x80000000_00000000}
	if !nan.match(good) {
		t.Error("NaN lanes rejected")
	}
	bad := []uint64{0x7fc00001_7fc00001, 0x80000000_00000000} // lane 0 not canonical
	if nan.match(bad) {
		t.Error("non-canonical NaN accepted")
	}
	i32, _ := parseValue(value{Type: "i32", Value: []byte(`"1"`)}, true)
	if i32.match([]uint64{1 | 1<<32}) {
		t.Error("i32 with garbage in the upper half accepted")
	}
}

func TestGoodWastPasses(t *testing.T) {
	r := RunFile(context.Background(), filepath.Join("testdata", "good.wast"), Options{})
	for _, f := range r.Failures {
		t.Error(f)
	}
	if r.Passed != 21 || r.Failed != 0 || r.Skipped != 0 {
		t.Errorf("got %d passed, %d failed, %d skipped; want 21, 0, 0", r.Passed, r.Failed, r.Skipped)
	}
}

// TestWrongWastFails: every command after the first is wrong and must be
// reported at its own line.
func TestWrongWastFails(t *testing.T) {
	r := RunFile(context.Background(), filepath.Join("testdata", "wrong.wast"), Options{})
	if r.Passed != 0 {
		t.Errorf("%d wrong assertions passed", r.Passed)
	}
	failed := map[int]bool{}
	for _, f := range r.Failures {
		failed[f.Line] = true
	}
	for line := 7; line <= 21; line++ {
		if !failed[line] {
			t.Errorf("line %d: wrong command not reported", line)
		}
	}
	if r.Failed != 15 {
		t.Errorf("Failed = %d, want 15\n%s", r.Failed, r.String())
	}
	if testing.Verbose() {
		t.Log(r.String())
	}
}

func TestBrokenWastFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.wast")
	if err := os.WriteFile(path, []byte("(module)\n(assert_return (invoke \"f\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := RunFile(context.Background(), path, Options{})
	if r.Failed != 1 || r.Failures[0].Line == 0 {
		t.Errorf("unparsable script not reported with a line: %s", r.String())
	}
}
