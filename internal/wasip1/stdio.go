package wasip1

import "context"

// stdinNode is fd 0: the configured reader (nil is empty input), through
// an inStream so that a read that waits honours the call's context.
type stdinNode struct {
	baseNode
	in *inStream
}

// stdoutNode is fd 1 or 2: the configured writer (nil discards), through
// an outStream.
type stdoutNode struct {
	baseNode
	out *outStream
}

func (n *stdinNode) filetype() Filetype { return FiletypeCharacterDevice }

func (n *stdinNode) read(ctx context.Context, p []byte) (int, Errno) { return n.in.read(ctx, p) }

func (n *stdinNode) stat() (Filestat, Errno) {
	return Filestat{Filetype: FiletypeCharacterDevice}, ESUCCESS
}

func (n *stdinNode) pollReady(write bool) (bool, uint64) {
	if write {
		return true, 0 // fd_write fails at once (EBADF)
	}
	return n.in.pollReady()
}

func (n *stdoutNode) filetype() Filetype { return FiletypeCharacterDevice }

func (n *stdoutNode) write(ctx context.Context, p []byte) (int, Errno) {
	return n.out.write(ctx, p)
}

func (n *stdoutNode) stat() (Filestat, Errno) {
	return Filestat{Filetype: FiletypeCharacterDevice}, ESUCCESS
}

func (n *stdoutNode) sync(bool) Errno { return ESUCCESS }

func (n *stdoutNode) pollReady(write bool) (bool, uint64) {
	if !write {
		return true, 0 // fd_read fails at once (EBADF)
	}
	return n.out.pollReady(), 0
}
