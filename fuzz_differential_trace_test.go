package moat_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// MOAT_FUZZ_TRACE=file makes differential append two lines per input to
// file: "begin" with the input's hash, length and bytes before anything
// runs (so the input a stalled fuzz worker is on is the last begin without
// an end), and "end" with how long each phase took. Fuzz workers are
// separate processes; each line is one O_APPEND write, so their lines do
// not interleave. Use it to find the slow inputs of a fuzzing run:
//
//	MOAT_FUZZ_TRACE=/tmp/trace go test -run '^$' -fuzz '^FuzzDifferential$' -fuzztime 90s .
var fuzzTraceFile = sync.OnceValue(func() *os.File {
	path := os.Getenv("MOAT_FUZZ_TRACE")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		panic(fmt.Sprintf("MOAT_FUZZ_TRACE: %v", err))
	}
	return f
})

// inputTrace times the phases of one input; a nil *inputTrace (no
// MOAT_FUZZ_TRACE) does nothing.
type inputTrace struct {
	f      *os.File
	id     string
	start  time.Time
	last   time.Time
	phases []string
}

func beginInputTrace(b []byte) *inputTrace {
	f := fuzzTraceFile()
	if f == nil {
		return nil
	}
	now := time.Now()
	tr := &inputTrace{f: f, id: fmt.Sprintf("pid=%d sha=%x len=%d", os.Getpid(), sha256.Sum256(b), len(b)), start: now, last: now}
	fmt.Fprintf(f, "%s begin %s input=%x\n", now.UTC().Format("15:04:05.000"), tr.id, b)
	return tr
}

// phase records the time since the previous phase (or the beginning)
// under name.
func (tr *inputTrace) phase(name string) {
	if tr == nil {
		return
	}
	now := time.Now()
	tr.phases = append(tr.phases, fmt.Sprintf("%s=%.1fms", name, float64(now.Sub(tr.last).Microseconds())/1000))
	tr.last = now
}

func (tr *inputTrace) end() {
	if tr == nil {
		return
	}
	now := time.Now()
	fmt.Fprintf(tr.f, "%s end %s total=%.1fms %s\n", now.UTC().Format("15:04:05.000"), tr.id,
		float64(now.Sub(tr.start).Microseconds())/1000, strings.Join(tr.phases, " "))
}
