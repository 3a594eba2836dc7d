package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/wasm"
)

// maxModuleSize bounds the module files we read, so a mistaken path to a
// huge file fails clearly instead of exhausting memory.
const maxModuleSize = 1 << 30

// wasmMagic starts every binary module.
var wasmMagic = []byte("\x00asm")

// moduleFile is a module read from a file, in the binary format.
type moduleFile struct {
	path string
	bin  []byte
	// src locates the parts of a text module in its file; nil for a
	// binary module (and for the binary and quote forms of text).
	src *text.SourceMap
}

// readModule reads a module file. A file that starts with the binary
// magic is taken as it is; a text module (.wat, or a .wast holding one
// module) is parsed and encoded, and its source map kept. The content
// decides, not the name: a file that is neither is taken as it is when
// named .wasm, so the decoder reports what is wrong with it.
func readModule(path string) (*moduleFile, error) {
	b, err := readFileLimited(path)
	if err != nil {
		return nil, err
	}
	return moduleFromBytes(path, b)
}

// moduleFromBytes is readModule for a file already read.
func moduleFromBytes(path string, b []byte) (*moduleFile, error) {
	if bytes.HasPrefix(b, wasmMagic) || !looksLikeText(path, b) {
		return &moduleFile{path: path, bin: b}, nil
	}
	m, sm, err := text.ParseModuleMap(b)
	if err != nil {
		var te *text.Error
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s:%v", path, err) // path:line:column: message
		}
		return nil, fmt.Errorf("%s: %v", path, err) // (module binary ...) that does not decode
	}
	return &moduleFile{path: path, bin: binary.Encode(m), src: sm}, nil
}

// describe says what err, an error about the module's binary, means and
// where: for a decoding or validation error of a text module, at
// path:LINE:COLUMN of the instruction or field at fault, as syntax errors
// are reported; otherwise after the path.
func (f *moduleFile) describe(err error) string {
	kind, msg, off := "", "", -1
	var ce *moat.CompileError
	var we *wasm.Error
	switch {
	case errors.As(err, &ce):
		kind, msg, off = ce.Kind.String(), ce.Msg, ce.Offset
	case errors.As(err, &we):
		kind, msg, off = we.Kind.String(), we.Msg, we.Offset
	}
	if f.src != nil && off >= 0 {
		if bin, derr := decodeModule(f.bin); derr == nil {
			if pos, ok := f.src.Locate(bin, off); ok {
				return fmt.Sprintf("%s:%d:%d: %s module: %s", f.path, pos.Line, pos.Column, kind, msg)
			}
		}
	}
	return f.path + ": " + errorText(err)
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
