package serve_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// TestSandboxReleasedWithResponse: a sandbox's memory pages and native
// stack go back to the system when its request ends, not when the garbage
// collector runs: with the collector off, many requests leave no more
// accessible sandbox memory or stack mappings behind than there were
// before them.
func TestSandboxReleasedWithResponse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/maps")
	}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("no compiler: %v", err)
	}
	h, err := serve.New(serve.Config{Module: cModule(t, moat.EngineCompiler), OnDone: func(*http.Request, *serve.Outcome) {}})
	if err != nil {
		t.Fatal(err)
	}
	serveOne := func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/hello?x", nil))
		if w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	serveOne() // warm up
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	before := sandboxMappings(t)
	const requests = 30
	for range requests {
		serveOne()
	}
	after := sandboxMappings(t)
	if after.liveMemories > before.liveMemories || after.stackGuards > before.stackGuards {
		t.Errorf("after %d requests with the collector off: %d live memories and %d stack guards, before %d and %d",
			requests, after.liveMemories, after.stackGuards, before.liveMemories, before.stackGuards)
	}
}

type mappingCounts struct{ liveMemories, stackGuards int }

// sandboxMappings counts, in /proc/self/maps, guard-page memories still
// accessible (a read-write region right below a PROT_NONE reservation of
// 4 GiB and more: a released memory is PROT_NONE throughout) and native
// stack guards (PROT_NONE, 64 KiB).
func sandboxMappings(t *testing.T) mappingCounts {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	var c mappingCounts
	var prevEnd uint64
	prevRW := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 { // anonymous only
			prevRW = false
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("maps line %q", line)
		}
		switch size := end - start; {
		case f[1] == "---p" && size >= 4<<30 && prevRW && prevEnd == start:
			c.liveMemories++
		case f[1] == "---p" && size == 64<<10:
			c.stackGuards++
		}
		prevEnd, prevRW = end, f[1] == "rw-p"
	}
	return c
}
