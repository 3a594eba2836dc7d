package wasip1

import (
	"errors"
	"io"
	"os"
)

// stdinNode reads the configured reader; a nil reader is empty input.
type stdinNode struct {
	baseNode
	r io.Reader
}

// stdoutNode writes to the configured writer; nil discards.
type stdoutNode struct {
	baseNode
	w io.Writer
}

func newStdin(r io.Reader) *fdEntry {
	return &fdEntry{node: &stdinNode{r: r}, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdWrite}
}

func newStdout(w io.Writer) *fdEntry {
	return &fdEntry{node: &stdoutNode{w: w}, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
}

func (n *stdinNode) filetype() Filetype { return FiletypeCharacterDevice }

func (n *stdinNode) read(p []byte) (int, Errno) {
	if n.r == nil || len(p) == 0 {
		return 0, ESUCCESS
	}
	k, err := n.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && k == 0 {
		return 0, errnoOf(err)
	}
	return k, ESUCCESS
}

func (n *stdinNode) stat() (Filestat, Errno) {
	return Filestat{Filetype: FiletypeCharacterDevice}, ESUCCESS
}

func (n *stdoutNode) filetype() Filetype { return FiletypeCharacterDevice }

func (n *stdoutNode) write(p []byte) (int, Errno) {
	if n.w == nil {
		return len(p), ESUCCESS
	}
	k, err := n.w.Write(p)
	if err != nil {
		if k > 0 {
			return k, ESUCCESS
		}
		if errors.Is(err, os.ErrClosed) {
			return 0, EPIPE
		}
		return 0, errnoOf(err)
	}
	return k, ESUCCESS
}

func (n *stdoutNode) stat() (Filestat, Errno) {
	return Filestat{Filetype: FiletypeCharacterDevice}, ESUCCESS
}

func (n *stdoutNode) sync(bool) Errno { return ESUCCESS }
