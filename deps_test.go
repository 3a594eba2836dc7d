package moat_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryDependencies: the packages an embedder imports (everything
// but cmd/...) depend on the standard library and golang.org/x/sys only;
// the moat command's packages may use more (the Prometheus client,
// oras-go). The same check as .ci/run's, over go list -deps.
func TestLibraryDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command (which runs this test) is not on PATH: %v", err)
	}
	list := func(args ...string) []string {
		out, err := exec.Command(goTool, append([]string{"list"}, args...)...).Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
		return strings.Fields(string(out))
	}
	const module = "github.com/moat-run/moat"
	var libs []string
	for _, p := range list("./...") {
		if !strings.HasPrefix(p, module+"/cmd/") {
			libs = append(libs, p)
		}
	}
	if len(libs) == 0 {
		t.Fatal("no library packages listed")
	}
	deps := list(append([]string{"-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, libs...)...)
	// The check is not vacuous: the command's own dependencies would fail it.
	cmdDeps := strings.Join(list("-deps", "./cmd/moat"), " ")
	if !strings.Contains(cmdDeps, "github.com/prometheus/client_golang/prometheus") {
		t.Error("go list -deps ./cmd/moat lacks the Prometheus client; the listing is not what this test expects")
	}
	for _, d := range deps {
		if d == module || strings.HasPrefix(d, module+"/") || strings.HasPrefix(d, "golang.org/x/sys/") {
			continue
		}
		t.Errorf("a library package depends on %s: only the standard library and golang.org/x/sys are allowed outside cmd/...", d)
	}
}
