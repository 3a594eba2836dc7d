package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// densityRow runs the density child for engine name and formats its report.
func densityRow(name string, n int) []string {
	exe, err := os.Executable()
	if err != nil {
		return []string{name, "error: " + short(err)}
	}
	out, err := exec.Command(exe, "-child", name, "-density", strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		return []string{name, "error: " + firstLine(out)}
	}
	var rss, heap float64
	var maps0, maps1 int
	if _, err := fmt.Sscanf(lastLine(out), "rss %f heap %f maps %d %d", &rss, &heap, &maps0, &maps1); err != nil {
		return []string{name, "error: " + lastLine(out)}
	}
	return []string{name, fmt.Sprintf("%.1f KB", rss/1e3), fmt.Sprintf("%.2f KB", heap/1e3), fmt.Sprintf("%d → %d", maps0, maps1)}
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return strings.TrimPrefix(line, "instantiate: ")
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// densityChild holds n hello instances and prints, per instance, the
// growth of resident memory and of the Go heap, then the mappings before
// and after. With memProfile set, every allocation is sampled and the
// heap profile of the n live instances is written there
// (go tool pprof -sample_index=inuse_space).
func densityChild(name string, n int, memProfile string) error {
	if memProfile != "" {
		runtime.MemProfileRate = 1
	}
	e, ok := engineWithSlots(name, n+16)
	if !ok {
		return fmt.Errorf("unknown engine %q", name)
	}
	if e.unavailable != nil {
		return e.unavailable
	}
	wasm, err := readModule("hello")
	if err != nil {
		return err
	}
	s, err := e.make(wasm)
	if err != nil {
		return err
	}
	// One instance first: whatever is made once per engine or module is
	// made before the measure.
	release, err := s.hold(1)
	if err != nil {
		return err
	}
	release()
	runtime.GC()
	rss0, heap0, maps0 := rss(), heapInUse(), mappings()
	release, err = s.hold(n)
	if err != nil {
		return err
	}
	runtime.GC()
	rss1, heap1, maps1 := rss(), heapInUse(), mappings()
	fmt.Printf("rss %.0f heap %.0f maps %d %d\n", float64(rss1-rss0)/float64(n), (float64(heap1)-float64(heap0))/float64(n), maps0, maps1)
	if memProfile != "" {
		if err := writeHeapProfile(memProfile); err != nil {
			return err
		}
	}
	release()
	return nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func mappings() int {
	b, _ := os.ReadFile("/proc/self/maps")
	return bytes.Count(b, []byte("\n"))
}

// rss is the process's resident memory (smaps_rollup's Rss) in bytes.
func rss() uint64 {
	b, _ := os.ReadFile("/proc/self/smaps_rollup")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Rss:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
