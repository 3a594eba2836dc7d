package server

import (
	"strings"
	"testing"
	"time"
)

// Records wait in the buffer until the interval passes, the buffer
// fills, or the log is flushed or closed; none is lost or split.
func TestFlushingWriter(t *testing.T) {
	var out syncBuffer
	f := newFlushingWriter(&out, time.Hour)
	f.Write([]byte("one\n"))
	f.Write([]byte("two\n"))
	if out.String() != "" {
		t.Fatalf("written before the interval: %q", out.String())
	}
	f.Flush()
	if out.String() != "one\ntwo\n" {
		t.Fatalf("after Flush: %q", out.String())
	}
	big := strings.Repeat("x", flushSize) + "\n"
	f.Write([]byte(big))
	if out.String() != "one\ntwo\n"+big {
		t.Fatal("a full buffer was not written at once")
	}
	f.Write([]byte("three\n"))
	f.Close()
	f.Write([]byte("four\n"))
	if want := "one\ntwo\n" + big + "three\nfour\n"; out.String() != want {
		t.Fatalf("after Close: %q", out.String()[len(want)-12:])
	}

	var timed syncBuffer
	f = newFlushingWriter(&timed, time.Millisecond)
	f.Write([]byte("five\n"))
	deadline := time.Now().Add(testTimeout)
	for timed.String() != "five\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not written after the interval: %q", timed.String())
		}
		time.Sleep(time.Millisecond)
	}
	f.Write([]byte("six\n")) // the timer is armed again
	for timed.String() != "five\nsix\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not written after the interval: %q", timed.String())
		}
		time.Sleep(time.Millisecond)
	}
}
