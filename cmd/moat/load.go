package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
)

// maxModuleSize bounds the module files we read, so a mistaken path to a
// huge file fails clearly instead of exhausting memory.
const maxModuleSize = 1 << 30

// wasmMagic starts every binary module.
var wasmMagic = []byte("\x00asm")

// readModule reads a module file and returns it in the binary format. A
// file that starts with the binary magic is returned as it is; a text
// module (.wat, or a .wast holding one module) is parsed and encoded. The
// content decides, not the name: a file that is neither is returned as it
// is when named .wasm, so the decoder reports what is wrong with it.
func readModule(path string) ([]byte, error) {
	b, err := readFileLimited(path)
	if err != nil {
		return nil, err
	}
	return moduleBinary(path, b)
}

// moduleBinary is readModule for a file already read.
func moduleBinary(path string, b []byte) ([]byte, error) {
	if bytes.HasPrefix(b, wasmMagic) || !looksLikeText(path, b) {
		return b, nil
	}
	m, err := text.ParseModule(b)
	if err != nil {
		var te *text.Error
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s:%v", path, err) // path:line:column: message
		}
		return nil, fmt.Errorf("%s: %v", path, err) // (module binary ...) that does not decode
	}
	return binary.Encode(m), nil
}

// looksLikeText reports whether b should be read as the text format: it is
// named as text, or it starts (after white space and comments) with a
// parenthesis or a comment as every text module does.
func looksLikeText(path string, b []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".wat", ".wast":
		return true
	case ".wasm":
		return false
	}
	s := bytes.TrimLeft(b, " \t\r\n")
	return bytes.HasPrefix(s, []byte("(")) || bytes.HasPrefix(s, []byte(";;"))
}

// readFileLimited reads a file of at most maxModuleSize bytes.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxModuleSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxModuleSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxModuleSize)
	}
	return b, nil
}
