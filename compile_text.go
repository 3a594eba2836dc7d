package moat

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/wasm"
)

// wasmMagic starts every binary module; Compile treats anything else as text.
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d}

// looksLikeText reports whether Compile should read src as text: it does
// not start with the binary magic and, after white space, starts with a
// parenthesis or a comment. Anything else, such as an empty input or a
// damaged binary, gets the decoder's error.
func looksLikeText(src []byte) bool {
	if bytes.HasPrefix(src, wasmMagic) {
		return false
	}
	rest := bytes.TrimLeft(src, " \t\r\n")
	return len(rest) > 0 && (rest[0] == '(' || rest[0] == ';')
}

// CompileText compiles a module written in the WebAssembly text format
// (a `(module ...)` or a bare list of module fields). Text that does not
// parse gives a *CompileError of Kind Malformed with Line and Column set; a
// module that parses but does not validate gives one of Kind Invalid with
// Line and Column of the instruction or field at fault, as well as its
// Offset. Offsets (of errors, of trap frames) are offsets in the binary
// Wat2Wasm gives for src.
func (e *Engine) CompileText(src []byte) (*Module, error) {
	return e.compileText(src)
}

// compileText compiles src as Compile compiles the binary Wat2Wasm makes of
// it, so that offsets (of trap frames, of validation errors) are offsets in
// that binary, as TrapFrame documents, rather than positions inside bodies
// the parser encoded one by one. Errors at an offset are located in src
// too, through the parser's source map.
func (e *Engine) compileText(src []byte) (mod *Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			mod, err = nil, fmt.Errorf("moat: internal error while compiling: %v\n%s", r, debug.Stack())
		}
	}()
	m, sm, err := parseText(src)
	if err != nil {
		return nil, err
	}
	b := binary.Encode(m)
	mod, err = e.compileBinary(b)
	if err != nil {
		// Decoded again only to locate the error; nil when it does not decode.
		bin, _ := binary.Decode(b)
		return nil, locateInText(err, sm, bin)
	}
	return mod, nil
}

// locateInText sets Line and Column of a *CompileError at an offset of
// bin, the decoded binary of the text module sm maps.
func locateInText(err error, sm *text.SourceMap, bin *wasm.Module) error {
	var ce *CompileError
	if errors.As(err, &ce) && ce.Offset >= 0 && ce.Line == 0 {
		if pos, ok := sm.Locate(bin, ce.Offset); ok {
			ce.Line, ce.Column = pos.Line, pos.Column
		}
	}
	return err
}

// parseText parses text into the module model and its source map,
// converting its errors.
func parseText(src []byte) (m *wasm.Module, sm *text.SourceMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, sm, err = nil, nil, fmt.Errorf("moat: internal error while parsing text: %v\n%s", r, debug.Stack())
		}
	}()
	m, sm, err = text.ParseModuleMap(src)
	if err != nil {
		return nil, nil, textErrorOf(err)
	}
	return m, sm, nil
}

// textErrorOf converts a text-format error to a *CompileError.
func textErrorOf(err error) error {
	var te *text.Error
	if errors.As(err, &te) {
		return &CompileError{Kind: Malformed, Offset: -1, Func: -1, Msg: te.Msg, Line: te.Line, Column: te.Column}
	}
	return compileErrorOf(err)
}

// Wat2Wasm converts a module in the text format to the binary format. The
// module is parsed but not validated. Errors are *CompileError.
func Wat2Wasm(src []byte) ([]byte, error) {
	m, _, err := parseText(src)
	if err != nil {
		return nil, err
	}
	return binary.Encode(m), nil
}
