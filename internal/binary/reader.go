package binary

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/moat-run/moat/internal/wasm"
)

// reader walks a byte slice that starts at module offset base. Every method
// checks bounds against the slice, so a reader confined to one section can
// never read into the next.
type reader struct {
	buf  []byte
	pos  int
	base int
	// eof is the message for reading past the end: the spec says
	// "unexpected end" at the top level and "unexpected end of section or
	// function" inside a section or body.
	eof string
	// off holds the features turned off: their encodings are malformed,
	// as they were before the feature (see DecodeFeatures).
	off wasm.Features
}

const msgSectionEnd = "unexpected end of section or function"

func newReader(b []byte, base int) reader {
	return reader{buf: b, base: base, eof: msgUnexpectedEnd}
}

// sub returns a reader for the next n bytes (which the caller has checked
// exist) and moves past them.
func (r *reader) sub(n int) reader {
	s := reader{buf: r.buf[r.pos : r.pos+n : r.pos+n], base: r.offset(), eof: msgSectionEnd, off: r.off}
	r.pos += n
	return s
}

// prealloc gives a slice with room for a declared count, capped so that a
// hostile count costs nothing: past the cap, slices grow only as elements
// are actually read.
func prealloc[T any](n int) []T { return make([]T, 0, min(n, 1024)) }

// offset is the module offset of the next byte.
func (r *reader) offset() int { return r.base + r.pos }

func (r *reader) remaining() int { return len(r.buf) - r.pos }

func (r *reader) atEnd() bool { return r.pos >= len(r.buf) }

// errAt builds a Malformed error at module offset off.
func errAt(off int, format string, args ...any) *wasm.Error {
	return wasm.Malformedf(off, format, args...)
}

func (r *reader) errHere(format string, args ...any) *wasm.Error {
	return wasm.Malformedf(r.offset(), format, args...)
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.buf) {
		return 0, r.errHere("%s", r.eof)
	}
	c := r.buf[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) u32() (uint32, error) {
	// A one-byte LEB128 (most indices and counts) without the call:
	// small enough for u32 to be inlined.
	if b := r.buf[r.pos:]; len(b) > 0 && b[0] < 0x80 {
		r.pos++
		return uint32(b[0]), nil
	}
	return r.u32Long()
}

// u32Long is u32 for a LEB128 of more than one byte, or at the end.
func (r *reader) u32Long() (uint32, error) {
	v, n, msg := readU32(r.buf[r.pos:])
	if err := r.skipLEB(n, msg); err != nil {
		return 0, err
	}
	return v, nil
}

func (r *reader) signed(bits int) (int64, error) {
	// A one-byte LEB128 (small constants), sign-extended from bit 6,
	// without the call.
	if b := r.buf[r.pos:]; len(b) > 0 && b[0] < 0x80 {
		r.pos++
		return int64(int8(b[0]<<1) >> 1), nil
	}
	return r.signedLong(bits)
}

// signedLong is signed for a LEB128 of more than one byte, or at the end.
func (r *reader) signedLong(bits int) (int64, error) {
	v, n, msg := readSigned(r.buf[r.pos:], bits)
	if err := r.skipLEB(n, msg); err != nil {
		return 0, err
	}
	return v, nil
}

// skipLEB moves past a LEB128 of n bytes that readU32 or readSigned read,
// or reports their error msg at the byte it concerns (running off the end
// is reported as this reader's eof).
func (r *reader) skipLEB(n int, msg string) error {
	if msg == msgUnexpectedEnd {
		msg = r.eof
	}
	if msg != "" {
		return errAt(r.offset()+max(n-1, 0), "%s", msg)
	}
	r.pos += n
	return nil
}

// fixed returns the next n raw bytes, aliasing the input.
func (r *reader) fixed(n int) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, r.errHere("%s", r.eof)
	}
	b := r.buf[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *reader) u64le() (uint64, error) {
	b, err := r.fixed(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// count reads a vector length. Every element takes at least one byte, so a
// count larger than what is left cannot be right; callers still allocate
// for it only through prealloc.
func (r *reader) count() (int, error) {
	at := r.offset()
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n) > uint64(r.remaining()) {
		return 0, errAt(at, "%s (vector of %d elements, %d bytes left)", r.eof, n, r.remaining())
	}
	return int(n), nil
}

// bytesVec reads a length-prefixed byte string, aliasing the input.
func (r *reader) bytesVec() ([]byte, error) {
	at := r.offset()
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if uint64(n) > uint64(r.remaining()) {
		return nil, errAt(at, "%s (length %d, %d bytes left)", r.eof, n, r.remaining())
	}
	return r.fixed(int(n))
}

// name reads a length-prefixed UTF-8 string.
func (r *reader) name() (string, error) {
	at := r.offset()
	b, err := r.bytesVec()
	if err != nil {
		return "", err
	}
	if err := limitNameBytes.check(at, 0, len(b)); err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errAt(at, "malformed UTF-8 encoding")
	}
	return string(b), nil
}

func (r *reader) u64() (uint64, error) {
	v, n, msg := readU64(r.buf[r.pos:])
	if err := r.skipLEB(n, msg); err != nil {
		return 0, err
	}
	return v, nil
}

func (r *reader) u32as64() (uint64, error) {
	v, err := r.u32()
	return uint64(v), err
}

// maxTypes caps the type index space (as other engines do), which also
// keeps every type index below wasm.HeapAbstractBase.
const maxTypes = 1_000_000

// numTypes reports whether b is the code of a number or vector type.
func isNumOrVecType(b byte) bool {
	return b >= byte(wasm.V128) && b <= byte(wasm.I32)
}

// heapType reads a heap type: an abstract type's code, or a type index as
// a non-negative s33.
func (r *reader) heapType() (wasm.HeapType, error) {
	at := r.offset()
	if r.atEnd() {
		return 0, r.errHere("%s", r.eof)
	}
	if h, ok := wasm.AbstractHeapType(r.buf[r.pos]); ok {
		if f := heapFeature(h); r.off&f != 0 {
			return 0, errAt(at, "malformed heap type 0x%02x (%s is off)", r.buf[r.pos], f)
		}
		r.pos++
		return h, nil
	}
	if r.off&wasm.FeatureFunctionReferences != 0 {
		return 0, errAt(at, "malformed heap type 0x%02x", r.buf[r.pos])
	}
	v, err := r.signed(33)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, errAt(at, "malformed heap type")
	}
	if v >= maxTypes {
		return 0, wasm.Invalidf(at, "unknown type %d", v)
	}
	return wasm.HeapType(v), nil
}

// refTypeAfter reads the rest of a reference type whose first byte c was
// read at offset at: a shorthand code, or 0x63/0x64 and a heap type.
func (r *reader) refTypeAfter(c byte, at int) (wasm.ValType, error) {
	if h, ok := wasm.AbstractHeapType(c); ok {
		if r.off&heapFeature(h) != 0 {
			return 0, errAt(at, "malformed reference type 0x%02x", c)
		}
		return wasm.RefType(true, h), nil
	}
	if (c != 0x63 && c != 0x64) || r.off&wasm.FeatureFunctionReferences != 0 {
		return 0, errAt(at, "malformed reference type 0x%02x", c)
	}
	h, err := r.heapType()
	if err != nil {
		return 0, err
	}
	return wasm.RefType(c == 0x63, h), nil
}

func (r *reader) valType() (wasm.ValType, error) {
	at := r.offset()
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	if isNumOrVecType(c) {
		return wasm.ValType(c), nil
	}
	if _, ok := wasm.AbstractHeapType(c); ok || c == 0x63 || c == 0x64 {
		return r.refTypeAfter(c, at)
	}
	return 0, errAt(at, "malformed value type 0x%02x", c)
}

func (r *reader) refType() (wasm.ValType, error) {
	at := r.offset()
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	return r.refTypeAfter(c, at)
}

// heapFeature is the feature that introduced abstract heap type h (0 for
// func and extern, which 2.0 has).
func heapFeature(h wasm.HeapType) wasm.Features {
	switch h {
	case wasm.HeapFunc, wasm.HeapExtern:
		return 0
	case wasm.HeapExn, wasm.HeapNoExn:
		return wasm.FeatureExceptions
	}
	return wasm.FeatureGC
}

// storageType reads a field's type: a value type or a packed type.
func (r *reader) storageType() (wasm.ValType, error) {
	if !r.atEnd() {
		if c := r.buf[r.pos]; c == byte(wasm.PackedI8) || c == byte(wasm.PackedI16) {
			r.pos++
			return wasm.ValType(c), nil
		}
	}
	return r.valType()
}

// zero reads a reserved byte that must be 0x00.
func (r *reader) zero() error {
	at := r.offset()
	c, err := r.byte()
	if err != nil {
		return err
	}
	if c != 0 {
		return errAt(at, "zero byte expected")
	}
	return nil
}
