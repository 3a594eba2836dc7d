package artifact

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// Magic starts every artifact. As in PNG, the first byte has its high bit
// set and CR LF and ^Z follow, so a file mangled by a text-mode transfer
// is not mistaken for one.
const Magic = "\x89MOAT\r\n\x1a"

// FormatVersion is the version of the layout described in doc.go. Loading
// refuses any other version.
const FormatVersion = 4

// CodeAlign is the file alignment of the code section: a page, so the code
// can be mapped from the file where it lies.
const CodeAlign = 4096

// SectionKind says what a section holds.
type SectionKind uint32

const (
	// SectionModule is the WebAssembly module with its function bodies
	// emptied: the types, imports, exports, globals, segments and names
	// that instantiation and backtraces need, in the binary format.
	SectionModule SectionKind = 1
	// SectionCode is the linked machine code, CodeAlign-aligned in the
	// file and padded with int3 to a CodeAlign boundary.
	SectionCode SectionKind = 2
	// SectionTables holds the engine's lookup tables for the code
	// (function ranges and entries, call sites, trap sites).
	SectionTables SectionKind = 3
)

var sectionNames = map[SectionKind]string{SectionModule: "module", SectionCode: "code", SectionTables: "tables"}

func (k SectionKind) String() string {
	if s, ok := sectionNames[k]; ok {
		return s
	}
	return fmt.Sprintf("section(%d)", uint32(k))
}

// Setting is one code-affecting configuration value: the code an engine
// compiles depends on it, so an artifact made with another value cannot
// run here. New options join by adding a setting (see the compiler's
// table); the header records them all by name.
type Setting struct {
	Key, Value string
}

// Target is what compiled code depends on besides moat's own build: the
// architecture, the CPU features it may use, and the code-affecting
// configuration.
type Target struct {
	Arch string
	// CPU lists the optional CPU features the code may use, sorted.
	CPU []string
	// Settings are the code-affecting configuration, sorted by key.
	Settings []Setting
}

// Header is an artifact's description of itself.
type Header struct {
	Version uint32 // FormatVersion
	// DigestKind is the digest in the trailer: DigestCRC32C for unsigned
	// artifacts, DigestSHA256Tree for signed ones (see digest.go).
	DigestKind DigestKind
	// Build identifies the moat build that compiled the code (BuildID).
	Build  string
	Target Target
	// Features are the WebAssembly features beyond 2.0 that the module
	// uses (their names, e.g. "tail-call"), function bodies included: an
	// engine with one of them turned off refuses the artifact, as it
	// would refuse to compile the module.
	Features []string
	// ModuleHash is the SHA-256 of the WebAssembly module compiled.
	ModuleHash [32]byte
	Sections   []Section
}

// Section locates one section in the file.
type Section struct {
	Kind   SectionKind
	Offset uint64
	Size   uint64
}

// Limits on header contents, so a header never asks for much memory.
const (
	maxString   = 4096
	maxList     = 256
	maxSections = 64
)

// encodeHeader appends the header's encoding (everything up to the padding
// before the first section) to b. Integers are little-endian; a string is
// its u16 length and bytes; a list its u16 count and items:
//
//	magic [8] | version u32 | digest kind u32 | header size u32 |
//	build str | arch str |
//	cpu: count, str... | settings: count, (key str, value str)... |
//	features: count, str... | module sha256 [32] | sections: u32 count,
//	(kind u32, flags u32, offset u64, size u64)...
func encodeHeader(b []byte, h *Header) []byte {
	start := len(b)
	b = append(b, Magic...)
	b = binary.LittleEndian.AppendUint32(b, h.Version)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.DigestKind))
	sizeAt := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = appendString(b, h.Build)
	b = appendString(b, h.Target.Arch)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h.Target.CPU)))
	for _, f := range h.Target.CPU {
		b = appendString(b, f)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h.Target.Settings)))
	for _, s := range h.Target.Settings {
		b = appendString(appendString(b, s.Key), s.Value)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h.Features)))
	for _, f := range h.Features {
		b = appendString(b, f)
	}
	b = append(b, h.ModuleHash[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(h.Sections)))
	for _, s := range h.Sections {
		b = binary.LittleEndian.AppendUint32(b, uint32(s.Kind))
		b = binary.LittleEndian.AppendUint32(b, 0) // flags, none defined
		b = binary.LittleEndian.AppendUint64(b, s.Offset)
		b = binary.LittleEndian.AppendUint64(b, s.Size)
	}
	binary.LittleEndian.PutUint32(b[sizeAt:], uint32(len(b)-start))
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint16(b, uint16(len(s))), s...)
}

// headerReader reads a header, remembering the first error.
type headerReader struct {
	b   []byte
	pos int
	err error
}

func (r *headerReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = errorf(FieldHeader, format, args...)
	}
}

func (r *headerReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.pos {
		r.fail("runs past its end at byte %d", r.pos)
		return nil
	}
	s := r.b[r.pos : r.pos+n]
	r.pos += n
	return s
}

func (r *headerReader) u16() int {
	if s := r.bytes(2); s != nil {
		return int(binary.LittleEndian.Uint16(s))
	}
	return 0
}

func (r *headerReader) u32() uint32 {
	if s := r.bytes(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (r *headerReader) u64() uint64 {
	if s := r.bytes(8); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (r *headerReader) str() string {
	n := r.u16()
	if n > maxString {
		r.fail("string of %d bytes at byte %d", n, r.pos)
		return ""
	}
	return string(r.bytes(n))
}

func (r *headerReader) count() int {
	n := r.u16()
	if n > maxList {
		r.fail("list of %d entries at byte %d", n, r.pos)
		return 0
	}
	return n
}

// decodeHeader reads the header at the start of file, whose contents
// (before the trailer) end at end: every section must lie between the
// header and end, in increasing order without overlap, each kind at most
// once, and the code section CodeAlign-aligned.
func decodeHeader(file []byte, end int) (*Header, error) {
	r := &headerReader{b: file}
	if string(r.bytes(len(Magic))) != Magic {
		return nil, errorf(FieldMagic, "not a moat artifact")
	}
	h := &Header{Version: r.u32(), DigestKind: DigestKind(r.u32())}
	if r.err == nil && !h.DigestKind.Known() {
		return nil, errorf(FieldDigest, "unknown digest kind %d", uint32(h.DigestKind))
	}
	size := int(r.u32())
	if r.err == nil && (size < r.pos || size > end) {
		return nil, errorf(FieldHeader, "header size %d outside the file's %d bytes", size, end)
	}
	r.b = file[:max(size, r.pos)]
	h.Build = r.str()
	h.Target.Arch = r.str()
	if n := r.count(); n > 0 {
		h.Target.CPU = make([]string, n)
		for i := range h.Target.CPU {
			h.Target.CPU[i] = r.str()
		}
	}
	if n := r.count(); n > 0 {
		h.Target.Settings = make([]Setting, n)
		for i := range h.Target.Settings {
			h.Target.Settings[i] = Setting{Key: r.str(), Value: r.str()}
		}
	}
	if n := r.count(); n > 0 {
		h.Features = make([]string, n)
		for i := range h.Features {
			h.Features[i] = r.str()
		}
	}
	copy(h.ModuleHash[:], r.bytes(32))
	n := int(r.u32())
	if n > maxSections {
		r.fail("%d sections", n)
	}
	if r.err != nil {
		return nil, r.err
	}
	h.Sections = make([]Section, 0, n)
	prevEnd := uint64(size)
	for range n {
		s := Section{Kind: SectionKind(r.u32())}
		flags := r.u32()
		s.Offset, s.Size = r.u64(), r.u64()
		switch {
		case r.err != nil:
			return nil, r.err
		case flags != 0:
			return nil, errorf(FieldHeader, "%s section has unknown flags %#x", s.Kind, flags)
		case s.Offset < prevEnd || s.Size > uint64(end) || s.Offset > uint64(end)-s.Size:
			return nil, errorf(FieldHeader, "%s section [%d, +%d) overlaps another or lies outside the contents (%d bytes)", s.Kind, s.Offset, s.Size, end)
		case h.Section(s.Kind) != nil:
			return nil, errorf(FieldHeader, "two %s sections", s.Kind)
		case s.Kind == SectionCode && s.Offset%CodeAlign != 0:
			return nil, errorf(FieldHeader, "code section at %d is not %d-aligned", s.Offset, CodeAlign)
		}
		h.Sections = append(h.Sections, s)
		prevEnd = s.Offset + s.Size
	}
	if r.pos != size {
		return nil, errorf(FieldHeader, "header size %d, its fields end at %d", size, r.pos)
	}
	return h, nil
}

// Section returns the section of kind k, or nil.
func (h *Header) Section(k SectionKind) *Section {
	for i := range h.Sections {
		if h.Sections[i].Kind == k {
			return &h.Sections[i]
		}
	}
	return nil
}

// Check compares the header with what this build and engine need: the
// same moat build, architecture and settings, and CPU features the engine
// may use. The first difference is returned as an *Error naming it.
func (h *Header) Check(build string, t Target) error {
	if h.Build != build {
		return mismatch(FieldBuild, build, h.Build)
	}
	if h.Target.Arch != t.Arch {
		return mismatch(FieldArch, t.Arch, h.Target.Arch)
	}
	for _, f := range h.Target.CPU {
		if !slices.Contains(t.CPU, f) {
			return mismatch(FieldCPU, featureList(t.CPU), featureList(h.Target.CPU))
		}
	}
	have := map[string]string{}
	for _, s := range h.Target.Settings {
		have[s.Key] = s.Value
	}
	for _, s := range t.Settings {
		v, ok := have[s.Key]
		if !ok {
			v = "(not recorded)"
		}
		if v != s.Value {
			return mismatch(s.Key, s.Value, v)
		}
		delete(have, s.Key)
	}
	for _, s := range h.Target.Settings {
		if _, extra := have[s.Key]; extra {
			return mismatch(s.Key, "(not a setting of this build)", s.Value)
		}
	}
	return nil
}

func featureList(fs []string) string {
	if len(fs) == 0 {
		return "baseline"
	}
	return strings.Join(fs, ",")
}
