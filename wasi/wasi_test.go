package wasi_test

import (
	"testing"

	"github.com/moat-run/moat/wasi"
)

// helloWat writes "hello\n" to stdout, then calls proc_exit(7) from a nested
// call.
const helloWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (func $deep (param i32)
    (if (i32.eqz (local.get 0)) (then (call $proc_exit (i32.const 7))))
    (call $deep (i32.sub (local.get 0) (i32.const 1))))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $deep (i32.const 100))
    unreachable))`

func TestExitFromDepth(t *testing.T) {
	r := runWat(t, helloWat, wasi.Config{})
	if r.err != nil || r.code != 7 || r.stdout != "hello\n" {
		t.Fatalf("got code %d err %v stdout %q; want 7, nil, \"hello\\n\"", r.code, r.err, r.stdout)
	}
}
