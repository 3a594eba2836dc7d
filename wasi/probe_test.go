package wasi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// probe is an instance of testdata/probe.wasm: every WASI function is
// exported through a wasm wrapper, so a test calls it with chosen
// arguments and reads the results from the probe's memory.
type probe struct {
	t      testing.TB
	inst   *moat.Instance
	mem    *moat.Memory
	sys    *wasi.System
	stdout *bytes.Buffer
}

// Scratch areas of probe memory (2 pages).
const (
	outPtr  = 0     // results written by the host
	pathPtr = 1024  // first path argument
	path2   = 2048  // second path argument
	bufPtr  = 4096  // data buffers
	iovPtr  = 60000 // iovec arrays
)

// Errno values used by the tests.
const (
	eSuccess    = wasip1.ESUCCESS
	eBadf       = wasip1.EBADF
	eExist      = wasip1.EEXIST
	eFault      = wasip1.EFAULT
	eInval      = wasip1.EINVAL
	eIsdir      = wasip1.EISDIR
	eLoop       = wasip1.ELOOP
	eNoent      = wasip1.ENOENT
	eNotdir     = wasip1.ENOTDIR
	eNotcapable = wasip1.ENOTCAPABLE
	ePerm       = wasip1.EPERM
	eNotsock    = wasip1.ENOTSOCK
	eNosys      = wasip1.ENOSYS
	eSpipe      = wasip1.ESPIPE
)

func newProbe(t testing.TB, cfg wasi.Config) *probe {
	t.Helper()
	return newProbeOn(t, moat.EngineAuto, cfg)
}

// newProbeOn is newProbe on the engine kind.
func newProbeOn(t testing.TB, kind moat.EngineKind, cfg wasi.Config) *probe {
	t.Helper()
	eng, err := moat.NewEngine(moat.Config{Engine: kind})
	if err != nil {
		t.Fatal(err)
	}
	mod, l := probeLinker(t, eng)
	store := moat.NewStore(eng)
	p := &probe{t: t, stdout: &bytes.Buffer{}}
	if cfg.Stdout == nil {
		cfg.Stdout = p.stdout
	}
	p.sys, err = wasi.Attach(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.sys.Close() })
	p.inst, err = l.Instantiate(context.Background(), store, mod)
	if err != nil {
		t.Fatal(err)
	}
	p.mem = p.inst.Memory("memory")
	return p
}

// call calls the WASI function name with raw words and returns its errno.
func (p *probe) call(name string, args ...uint64) wasip1.Errno {
	p.t.Helper()
	f := p.inst.Func(name)
	if f == nil {
		p.t.Fatalf("probe has no export %s", name)
	}
	res, err := f.Call(context.Background(), args...)
	if err != nil {
		p.t.Fatalf("%s: %v", name, err)
	}
	return wasip1.Errno(res[0])
}

// put writes s at addr and returns (addr, len) as words.
func (p *probe) put(addr uint32, s string) (uint64, uint64) {
	if !p.mem.Write(addr, []byte(s)) {
		p.t.Fatalf("write at %d out of bounds", addr)
	}
	return uint64(addr), uint64(len(s))
}

func (p *probe) u32(addr uint32) uint32 {
	v, ok := p.mem.ReadUint32Le(addr)
	if !ok {
		p.t.Fatal("read out of bounds")
	}
	return v
}

func (p *probe) u64(addr uint32) uint64 {
	v, ok := p.mem.ReadUint64Le(addr)
	if !ok {
		p.t.Fatal("read out of bounds")
	}
	return v
}

func (p *probe) bytes(addr, n uint32) []byte {
	b, ok := p.mem.Read(addr, n)
	if !ok {
		p.t.Fatal("read out of bounds")
	}
	return append([]byte(nil), b...)
}

// Rights used by the tests.
const (
	rightRead    = uint64(wasip1.RightFdRead)
	rightWrite   = uint64(wasip1.RightFdWrite)
	rightSeek    = uint64(wasip1.RightFdSeek | wasip1.RightFdTell)
	rightsRW     = rightRead | rightWrite | rightSeek | uint64(wasip1.RightFdFilestatGet)
	dirRights    = ^uint64(0) &^ rightWrite
	followLinks  = 1
	oCreat       = uint64(wasip1.OflagCreat)
	oDirectory   = uint64(wasip1.OflagDirectory)
	oExcl        = uint64(wasip1.OflagExcl)
	oTrunc       = uint64(wasip1.OflagTrunc)
	fdAppend     = uint64(wasip1.FdflagAppend)
	preopenFd    = 3
	secondOpenFd = 4
)

// open calls path_open on dirfd and returns (errno, fd).
func (p *probe) open(dirfd uint32, path string, lookup, oflags, rights, fdflags uint64) (wasip1.Errno, uint32) {
	p.t.Helper()
	ptr, n := p.put(pathPtr, path)
	e := p.call("path_open", uint64(dirfd), lookup, ptr, n, oflags, rights, rights, fdflags, outPtr)
	if e != eSuccess {
		return e, 0
	}
	return e, p.u32(outPtr)
}

// write writes data to fd through one iovec and returns (errno, n).
func (p *probe) write(fd uint32, data string) (wasip1.Errno, uint32) {
	p.t.Helper()
	p.put(bufPtr, data)
	var iov [8]byte
	binary.LittleEndian.PutUint32(iov[0:], bufPtr)
	binary.LittleEndian.PutUint32(iov[4:], uint32(len(data)))
	p.mem.Write(iovPtr, iov[:])
	e := p.call("fd_write", uint64(fd), iovPtr, 1, outPtr)
	return e, p.u32(outPtr)
}

// read reads up to n bytes from fd.
func (p *probe) read(fd uint32, n uint32) (wasip1.Errno, string) {
	p.t.Helper()
	var iov [8]byte
	binary.LittleEndian.PutUint32(iov[0:], bufPtr)
	binary.LittleEndian.PutUint32(iov[4:], n)
	p.mem.Write(iovPtr, iov[:])
	e := p.call("fd_read", uint64(fd), iovPtr, 1, outPtr)
	if e != eSuccess {
		return e, ""
	}
	return e, string(p.bytes(bufPtr, p.u32(outPtr)))
}

// pathCall calls a (fd, path, len) path function.
func (p *probe) pathCall(name string, dirfd uint32, path string) wasip1.Errno {
	p.t.Helper()
	ptr, n := p.put(pathPtr, path)
	return p.call(name, uint64(dirfd), ptr, n)
}

func expectErrno(t *testing.T, what string, got, want wasip1.Errno) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// probeLinker compiles the probe on eng and returns it with a linker that
// defines WASI's imports.
func probeLinker(t testing.TB, eng *moat.Engine) (*moat.Module, *moat.Linker) {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join("testdata", "probe.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := eng.Compile(bin)
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(eng)
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	return mod, l
}
