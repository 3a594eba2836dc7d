package wasip1

import (
	"context"

	"github.com/moat-run/moat"
)

// ModuleName is the import module of every preview1 function.
const ModuleName = "wasi_snapshot_preview1"

// Func is one host function of wasi_snapshot_preview1, ready to define in a
// linker: Call reads the parameters from stack and writes the result
// there; mem is the calling instance's memory's bytes (nil: none), valid
// for the call.
type Func struct {
	Name string
	Type moat.FuncType
	Call func(ctx context.Context, s *System, mem *[]byte, stack []uint64) error
}

// call carries what a handler needs: the context, the system and the
// calling instance's memory.
type call struct {
	ctx context.Context
	s   *System
	mem guest
}

// handler implements one function on its (already typed) parameters.
type handler func(c call, p []uint64) Errno

// errnoInterrupted is no WASI errno: a handler returns it when the call's
// context ended while it waited (for a stream, a clock, a yield), and the
// call then ends with the interrupted trap instead of returning.
const errnoInterrupted Errno = 1<<16 - 1

// signatures lists every function with its parameters: 'i' is i32, 'I' i64.
// Every function but proc_exit returns an errno (i32).
var signatures = []struct {
	name   string
	params string
	fn     handler
}{
	{"args_get", "ii", argsGet},
	{"args_sizes_get", "ii", argsSizesGet},
	{"environ_get", "ii", environGet},
	{"environ_sizes_get", "ii", environSizesGet},
	{"clock_res_get", "ii", clockResGet},
	{"clock_time_get", "iIi", clockTimeGet},
	{"fd_advise", "iIIi", fdAdvise},
	{"fd_allocate", "iII", fdAllocate},
	{"fd_close", "i", fdClose},
	{"fd_datasync", "i", fdDatasync},
	{"fd_fdstat_get", "ii", fdFdstatGet},
	{"fd_fdstat_set_flags", "ii", fdFdstatSetFlags},
	{"fd_fdstat_set_rights", "iII", fdFdstatSetRights},
	{"fd_filestat_get", "ii", fdFilestatGet},
	{"fd_filestat_set_size", "iI", fdFilestatSetSize},
	{"fd_filestat_set_times", "iIIi", fdFilestatSetTimes},
	{"fd_pread", "iiiIi", fdPread},
	{"fd_prestat_get", "ii", fdPrestatGet},
	{"fd_prestat_dir_name", "iii", fdPrestatDirName},
	{"fd_pwrite", "iiiIi", fdPwrite},
	{"fd_read", "iiii", fdRead},
	{"fd_readdir", "iiiIi", fdReaddir},
	{"fd_renumber", "ii", fdRenumber},
	{"fd_seek", "iIii", fdSeek},
	{"fd_sync", "i", fdSync},
	{"fd_tell", "ii", fdTell},
	{"fd_write", "iiii", fdWrite},
	{"path_create_directory", "iii", pathCreateDirectory},
	{"path_filestat_get", "iiiii", pathFilestatGet},
	{"path_filestat_set_times", "iiiiIIi", pathFilestatSetTimes},
	{"path_link", "iiiiiii", pathLink},
	{"path_open", "iiiiiIIii", pathOpen},
	{"path_readlink", "iiiiii", pathReadlink},
	{"path_remove_directory", "iii", pathRemoveDirectory},
	{"path_rename", "iiiiii", pathRename},
	{"path_symlink", "iiiii", pathSymlink},
	{"path_unlink_file", "iii", pathUnlinkFile},
	{"poll_oneoff", "iiii", pollOneoff},
	{"proc_exit", "i", nil},
	{"proc_raise", "i", procRaise},
	{"sched_yield", "", schedYield},
	{"random_get", "ii", randomGet},
	{"sock_accept", "iii", sockAccept},
	{"sock_recv", "iiiiii", sockRecv},
	{"sock_send", "iiiii", sockSend},
	{"sock_shutdown", "ii", sockShutdown},
}

// Functions returns every function of wasi_snapshot_preview1.
func Functions() []Func {
	out := make([]Func, 0, len(signatures))
	for _, sig := range signatures {
		var t moat.FuncType
		for _, c := range sig.params {
			if c == 'I' {
				t.Params = append(t.Params, moat.ValueI64)
			} else {
				t.Params = append(t.Params, moat.ValueI32)
			}
		}
		f := Func{Name: sig.name, Type: t}
		if sig.fn == nil { // proc_exit: no result; ends the run
			f.Call = procExit
		} else {
			f.Type.Results = []moat.ValueType{moat.ValueI32}
			fn := sig.fn
			f.Call = func(ctx context.Context, s *System, mem *[]byte, stack []uint64) error {
				// The call is passed by value: no allocation per call.
				errno := fn(call{ctx: ctx, s: s, mem: guest{mem}}, stack)
				if errno == errnoInterrupted {
					return moat.NewTrap(moat.TrapInterrupted, "")
				}
				stack[0] = uint64(errno)
				return nil
			}
		}
		out = append(out, f)
	}
	return out
}

// procExit ends the run: the engine unwinds every frame and hands the
// *ExitError to whoever called into wasm.
func procExit(_ context.Context, _ *System, _ *[]byte, stack []uint64) error {
	return &ExitError{Code: uint32(stack[0])}
}

// Parameter decoding helpers: i32 parameters arrive zero-extended.
func u32(w uint64) uint32 { return uint32(w) }
func i64(w uint64) int64  { return int64(w) }
