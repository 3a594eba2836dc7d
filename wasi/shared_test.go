package wasi_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// tenantWasiWat writes its tenant's byte to stdout around a call of
// env.hop (in which the host runs another sandbox), opens "secret" under
// fd 3, and reads a byte from any descriptor it names.
const tenantWasiWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "env" "hop" (func $hop (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "secret")
  ;; the iovec at 0 names one byte at 16
  (func $iovec (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 1)))
  (func (export "say") (param i32) (result i32)
    (i32.store8 (i32.const 16) (local.get 0))
    (call $iovec)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $hop (local.get 0))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  ;; open returns the errno; the descriptor is at 40
  (func (export "open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 6) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
  (func (export "fd") (result i32) (i32.load (i32.const 40)))
  ;; read returns the errno; the byte read is at 16
  (func (export "read") (param i32) (result i32)
    (i32.store8 (i32.const 16) (i32.const 0))
    (call $iovec)
    (call $fd_read (local.get 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "byte") (result i32) (i32.load8_u (i32.const 16))))`

const (
	errnoSuccess = 0
	errnoBadf    = 8
)

// TestSharedWasiFuncsSeeOnlyTheirSandbox is the attacker's view of WASI
// functions bound once for every store: a sandbox's calls write to its
// own stdout even while another sandbox runs nested in one of them, and a
// sandbox that takes over a closed one's store state and memory slot
// finds none of its descriptors — neither the preopen nor the file it
// opened and left open.
func TestSharedWasiFuncsSeeOnlyTheirSandbox(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		t.Run(kind.String(), func(t *testing.T) {
			e, err := moat.NewEngine(moat.Config{Engine: kind, Pooling: &moat.PoolingConfig{TotalMemories: 2}})
			if err != nil {
				t.Skip(err)
			}
			var pre *moat.InstancePre
			// sandbox makes a store with its own WASI system and instance.
			sandbox := func(cfg wasi.Config) (*moat.Store, *moat.Instance) {
				s := moat.NewStore(e)
				if _, err := wasi.Attach(s, cfg); err != nil {
					t.Fatal(err)
				}
				inst, err := pre.Instantiate(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				return s, inst
			}
			call := func(inst *moat.Instance, name string, args ...uint64) int32 {
				t.Helper()
				res, err := inst.Func(name).Call(ctx, args...)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return moat.DecodeI32(res[0])
			}
			var nested bytes.Buffer
			l := moat.NewLinker(e)
			if err := wasi.DefineImports(l); err != nil {
				t.Fatal(err)
			}
			if err := l.DefineFunc("env", "hop", func(ctx context.Context, tenant int32) error {
				if tenant != 'a' {
					return nil
				}
				s, inst := sandbox(wasi.Config{Stdout: &nested})
				defer s.Close()
				if res, err := inst.Func("say").Call(ctx, moat.EncodeI32('b')); err != nil || moat.DecodeI32(res[0]) != errnoSuccess {
					return fmt.Errorf("the nested sandbox's say: %v %v", res, err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			mod, err := e.CompileText([]byte(tenantWasiWat))
			if err != nil {
				t.Fatal(err)
			}
			if pre, err = l.Prepare(mod); err != nil {
				t.Fatal(err)
			}

			var outer bytes.Buffer
			s, inst := sandbox(wasi.Config{Stdout: &outer})
			if errno := call(inst, "say", 'a'); errno != errnoSuccess {
				t.Fatalf("say: errno %d", errno)
			}
			if outer.String() != "aa" || nested.String() != "bb" {
				t.Errorf("outer sandbox wrote %q, nested %q; want \"aa\" and \"bb\"", outer.String(), nested.String())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			// A tenant with a preopen opens a file and leaves it open.
			secret := wasi.Preopen{Guest: "/", FS: fstest.MapFS{"secret": {Data: []byte("S")}}}
			s, inst = sandbox(wasi.Config{Preopens: []wasi.Preopen{secret}})
			if errno := call(inst, "open"); errno != errnoSuccess {
				t.Fatalf("open: errno %d", errno)
			}
			fd := call(inst, "fd")
			if errno := call(inst, "read", uint64(fd)); errno != errnoSuccess || call(inst, "byte") != 'S' {
				t.Fatalf("the owner reads fd %d: errno %d", fd, errno)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The next tenants take over its store state and its slot.
			for range 3 {
				s, inst = sandbox(wasi.Config{})
				for _, n := range []int32{3, fd} {
					if errno := call(inst, "read", uint64(n)); errno != errnoBadf || call(inst, "byte") != 0 {
						t.Errorf("a later tenant reads fd %d: errno %d, byte %d; want EBADF and nothing", n, errno, call(inst, "byte"))
					}
				}
				if errno := call(inst, "open"); errno != errnoBadf {
					t.Errorf("a later tenant opens under fd 3: errno %d, want EBADF", errno)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
