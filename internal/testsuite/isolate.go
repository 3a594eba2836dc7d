package testsuite

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// isolatedEnv names the test a child process of the test binary runs.
const isolatedEnv = "MOAT_ISOLATED_TEST"

// Isolated runs the calling test in a child process of the test binary, for
// tests whose failure would be a hang that stops every goroutine (a
// stop-the-world that never completes stops the test's own timers and the
// test binary's -timeout too). In the child it returns true and the test
// goes on with its body. In the parent it runs the child, copies its
// output, fails t when the child fails or has not finished within limit
// (killing it then), and returns false. t must be a top-level test.
func Isolated(t *testing.T, limit time.Duration) (child bool) {
	t.Helper()
	if os.Getenv(isolatedEnv) == t.Name() {
		return true
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatal("testsuite.Isolated: only a top-level test can run isolated")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), isolatedEnv+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the isolated test: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("isolated test failed (%v):\n%s", err, out.String())
		} else if testing.Verbose() {
			t.Logf("isolated test:\n%s", out.String())
		}
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("isolated test has not finished after %v (hung?); its output:\n%s", limit, out.String())
	}
	return false
}
