package wasi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

func TestArgsEnv(t *testing.T) {
	p := newProbe(t, wasi.Config{Args: []string{"prog", "a b", ""}, Env: []string{"K=V", "EMPTY="}})
	expectErrno(t, "args_sizes_get", p.call("args_sizes_get", outPtr, outPtr+4), eSuccess)
	if argc, size := p.u32(outPtr), p.u32(outPtr+4); argc != 3 || size != 5+4+1 {
		t.Errorf("args sizes %d %d", argc, size)
	}
	expectErrno(t, "args_get", p.call("args_get", outPtr, bufPtr), eSuccess)
	var args []string
	for i := uint32(0); i < 3; i++ {
		ptr := p.u32(outPtr + 4*i)
		s := p.bytes(ptr, 16)
		args = append(args, string(s[:bytes.IndexByte(s, 0)]))
	}
	if strings.Join(args, "|") != "prog|a b|" {
		t.Errorf("args %q", args)
	}
	expectErrno(t, "environ_sizes_get", p.call("environ_sizes_get", outPtr, outPtr+4), eSuccess)
	if n, size := p.u32(outPtr), p.u32(outPtr+4); n != 2 || size != 4+7 {
		t.Errorf("environ sizes %d %d", n, size)
	}
	expectErrno(t, "environ_get", p.call("environ_get", outPtr, bufPtr), eSuccess)
	if got := string(p.bytes(bufPtr, 11)); got != "K=V\x00EMPTY=\x00" {
		t.Errorf("environ buffer %q", got)
	}
	expectErrno(t, "args_get to a bad buffer", p.call("args_get", outPtr, 1<<17-3), eFault)
	expectErrno(t, "environ_get to a bad array", p.call("environ_get", 1<<17-4, bufPtr), eFault)
	if _, err := wasi.Attach(p.inst.Store(), wasi.Config{Args: []string{"a\x00b"}}); err == nil {
		t.Error("an argument with NUL was accepted")
	}
}

func TestClocksAndRandom(t *testing.T) {
	wall := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	p := newProbe(t, wasi.Config{
		Walltime: func() time.Time { return wall },
		Nanotime: func() int64 { return 12345 },
		Rand:     bytes.NewReader([]byte("0123456789")),
	})
	expectErrno(t, "realtime", p.call("clock_time_get", 0, 1, outPtr), eSuccess)
	if got := p.u64(outPtr); got != uint64(wall.UnixNano()) {
		t.Errorf("realtime %d", got)
	}
	expectErrno(t, "monotonic", p.call("clock_time_get", 1, 1, outPtr), eSuccess)
	if got := p.u64(outPtr); got != 12345 {
		t.Errorf("monotonic %d", got)
	}
	expectErrno(t, "bad clock", p.call("clock_time_get", 9, 1, outPtr), eInval)
	expectErrno(t, "res", p.call("clock_res_get", 1, outPtr), eSuccess)
	if p.u64(outPtr) == 0 {
		t.Error("resolution 0")
	}
	expectErrno(t, "random", p.call("random_get", bufPtr, 4), eSuccess)
	if got := string(p.bytes(bufPtr, 4)); got != "0123" {
		t.Errorf("random %q", got)
	}
	expectErrno(t, "random zero", p.call("random_get", bufPtr, 0), eSuccess)
	expectErrno(t, "random out of memory", p.call("random_get", 1<<17-2, 4), eFault)
	expectErrno(t, "random exhausted source", p.call("random_get", bufPtr, 100), wasip1EIO)
}

const wasip1EIO = 29

// subscription encodes one poll_oneoff subscription.
func subscription(userdata uint64, tag byte, fdOrClock uint32, timeout uint64, flags uint16) []byte {
	b := make([]byte, 48)
	binary.LittleEndian.PutUint64(b[0:], userdata)
	b[8] = tag
	binary.LittleEndian.PutUint32(b[16:], fdOrClock)
	binary.LittleEndian.PutUint64(b[24:], timeout)
	binary.LittleEndian.PutUint16(b[40:], flags)
	return b
}

func TestPollClocks(t *testing.T) {
	now := int64(1000)
	var slept []time.Duration
	wall := time.Unix(100, 0)
	p := newProbe(t, wasi.Config{
		Nanotime: func() int64 { return now },
		Walltime: func() time.Time { return wall },
		Sleep: func(_ context.Context, d time.Duration) {
			slept = append(slept, d)
			now += int64(d)
		},
	})
	// two relative timeouts: the earlier fires
	subs := append(subscription(7, 0, 1, 500, 0), subscription(8, 0, 1, 900, 0)...)
	p.mem.Write(bufPtr, subs)
	expectErrno(t, "poll", p.call("poll_oneoff", bufPtr, 8192, 2, outPtr), eSuccess)
	if n := p.u32(outPtr); n != 1 || p.u64(8192) != 7 || p.bytes(8192+10, 1)[0] != 0 {
		t.Errorf("events %d, first userdata %d", n, p.u64(8192))
	}
	if len(slept) != 1 || slept[0] != 500 {
		t.Errorf("slept %v", slept)
	}
	// an absolute realtime deadline 2s after the wall clock
	p.mem.Write(bufPtr, subscription(9, 0, 0, uint64(102*time.Second), 1))
	expectErrno(t, "poll abs", p.call("poll_oneoff", bufPtr, 8192, 1, outPtr), eSuccess)
	if slept[len(slept)-1] != 2*time.Second || p.u64(8192) != 9 {
		t.Errorf("abs: slept %v, userdata %d", slept, p.u64(8192))
	}
	// a deadline already past fires without sleeping
	p.mem.Write(bufPtr, subscription(10, 0, 0, 5, 1))
	n := len(slept)
	expectErrno(t, "poll past", p.call("poll_oneoff", bufPtr, 8192, 1, outPtr), eSuccess)
	if len(slept) != n || p.u32(outPtr) != 1 {
		t.Errorf("past deadline slept")
	}
	// stdout is writable at once; a bad fd reports EBADF in its event
	subs = append(subscription(1, 2, 1, 0, 0), subscription(2, 1, 77, 0, 0)...)
	subs = append(subs, subscription(3, 0, 1, 1e9, 0)...)
	p.mem.Write(bufPtr, subs)
	expectErrno(t, "poll fds", p.call("poll_oneoff", bufPtr, 8192, 3, outPtr), eSuccess)
	if got := p.u32(outPtr); got != 2 {
		t.Fatalf("fd events %d", got)
	}
	if ev := p.bytes(8192+32, 32); binary.LittleEndian.Uint64(ev) != 2 || binary.LittleEndian.Uint16(ev[8:]) != uint16(eBadf) {
		t.Errorf("bad fd event %v", ev)
	}
	expectErrno(t, "poll nothing", p.call("poll_oneoff", bufPtr, 8192, 0, outPtr), eInval)
	expectErrno(t, "poll bad memory", p.call("poll_oneoff", bufPtr, 1<<17-8, 1, outPtr), eFault)
}

func TestStdio(t *testing.T) {
	var errb bytes.Buffer
	p := newProbe(t, wasi.Config{Stdin: strings.NewReader("input"), Stderr: &errb})
	if e, got := p.read(0, 3); e != eSuccess || got != "inp" {
		t.Errorf("stdin: %v %q", e, got)
	}
	if e, got := p.read(0, 10); e != eSuccess || got != "ut" {
		t.Errorf("stdin rest: %v %q", e, got)
	}
	if e, got := p.read(0, 10); e != eSuccess || got != "" {
		t.Errorf("stdin at EOF: %v %q", e, got)
	}
	p.write(1, "out")
	p.write(2, "err")
	if p.stdout.String() != "out" || errb.String() != "err" {
		t.Errorf("stdout %q stderr %q", p.stdout, errb.String())
	}
	e, _ := p.write(0, "x")
	expectErrno(t, "write to stdin", e, eBadf)
	expectErrno(t, "seek stdout", p.call("fd_seek", 1, 0, 1, outPtr), eSpipe)
	expectErrno(t, "fdstat stdout", p.call("fd_fdstat_get", 1, bufPtr), eSuccess)
	if typ := p.bytes(bufPtr, 1)[0]; typ != 2 {
		t.Errorf("stdout filetype %d", typ)
	}
	// a write whose iovec points outside memory fails whole
	var iov [8]byte
	binary.LittleEndian.PutUint32(iov[0:], 1<<17-2)
	binary.LittleEndian.PutUint32(iov[4:], 4)
	p.mem.Write(iovPtr, iov[:])
	expectErrno(t, "write bad iovec", p.call("fd_write", 1, iovPtr, 1, outPtr), eFault)
	expectErrno(t, "write bad iovec array", p.call("fd_write", 1, 1<<17-4, 1, outPtr), eFault)
	expectErrno(t, "write to fd 99", p.call("fd_write", 99, iovPtr, 1, outPtr), eBadf)
	// renumber stdout onto stderr: fd 1 is gone, fd 2 writes to stdout
	expectErrno(t, "renumber", p.call("fd_renumber", 1, 2), eSuccess)
	p.write(2, "!")
	e, _ = p.write(1, "x")
	expectErrno(t, "write to renumbered fd", e, eBadf)
	if p.stdout.String() != "out!" {
		t.Errorf("stdout after renumber %q", p.stdout)
	}
}

func TestSocketsAndProc(t *testing.T) {
	p := newProbe(t, wasi.Config{})
	expectErrno(t, "sock_shutdown stdout", p.call("sock_shutdown", 1, 2), eNotsock)
	expectErrno(t, "sock_shutdown bad fd", p.call("sock_shutdown", 42, 2), eBadf)
	expectErrno(t, "sock_accept", p.call("sock_accept", 0, 0, outPtr), eNotsock)
	expectErrno(t, "sock_recv", p.call("sock_recv", 1, 0, 0, 0, outPtr, outPtr+4), eNotsock)
	expectErrno(t, "sock_send", p.call("sock_send", 9, 0, 0, 0, outPtr), eBadf)
	expectErrno(t, "proc_raise", p.call("proc_raise", 9), eNosys)
	expectErrno(t, "sched_yield", p.call("sched_yield"), eSuccess)
	// proc_exit ends the call with an ExitError inside a trap
	_, err := p.inst.Func("proc_exit").Call(context.Background(), 42)
	var exit *wasi.ExitError
	var trap *moat.Trap
	if !errors.As(err, &exit) || exit.Code != 42 || !errors.As(err, &trap) {
		t.Errorf("proc_exit gave %v", err)
	}
	// after Close every descriptor is gone
	p.sys.Close()
	e, _ := p.write(1, "x")
	expectErrno(t, "write after Close", e, eBadf)
}

func TestRunTrap(t *testing.T) {
	// a trap: non-zero code and the *moat.Trap
	r := runWat(t, `(module (func (export "_start") unreachable))`, wasi.Config{})
	var trap *moat.Trap
	if r.code == 0 || !errors.As(r.err, &trap) || trap.Code != moat.TrapUnreachable {
		t.Errorf("trap run: code %d err %v", r.code, r.err)
	}
}
