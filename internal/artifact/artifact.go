package artifact

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"io"
)

// trailerMagic ends every artifact, after the digest and signature.
const trailerMagic = "MOAT-END"

// TrailerSize is the size of the trailer: digest, signer's public key,
// signature, magic.
const TrailerSize = 32 + ed25519.PublicKeySize + ed25519.SignatureSize + len(trailerMagic)

// minSize is the smallest possible artifact: magic, version, digest kind
// and header size, and the trailer.
const minSize = len(Magic) + 12 + TrailerSize

// trailer is the end of the file: the digest of everything before it, and
// the signer's public key and signature of that digest (all zero when
// unsigned).
type trailer struct {
	Digest    [32]byte
	Key       [ed25519.PublicKeySize]byte
	Signature [ed25519.SignatureSize]byte
}

func (t *trailer) encode() []byte {
	b := make([]byte, 0, TrailerSize)
	b = append(b, t.Digest[:]...)
	b = append(b, t.Key[:]...)
	b = append(b, t.Signature[:]...)
	return append(b, trailerMagic...)
}

func decodeTrailer(b []byte) *trailer {
	var t trailer
	copy(t.Digest[:], b)
	copy(t.Key[:], b[32:])
	copy(t.Signature[:], b[32+ed25519.PublicKeySize:])
	return &t
}

// signed reports whether the trailer carries a signature.
func (t *trailer) signed() bool { return t.Key != [ed25519.PublicKeySize]byte{} }

// SectionData is a section to write.
type SectionData struct {
	Kind SectionKind
	Data []byte
}

// Encode lays out an artifact: the header (h's sections are filled in
// here), the sections in the order given (8-byte aligned, the code section
// CodeAlign-aligned and padded with int3 to a CodeAlign boundary), and the
// trailer with the digest and, when key is not nil, its signature. The
// digest is of h.DigestKind; when that is zero, DigestSHA256Tree for a
// signed artifact and DigestCRC32C for an unsigned one.
func Encode(h Header, sections []SectionData, key ed25519.PrivateKey) ([]byte, error) {
	if key != nil && len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("artifact: signing key of %d bytes, want an Ed25519 private key (%d)", len(key), ed25519.PrivateKeySize)
	}
	if len(sections) > maxSections {
		return nil, fmt.Errorf("artifact: %d sections", len(sections))
	}
	h.Version = FormatVersion
	if h.DigestKind == 0 {
		h.DigestKind = DigestCRC32C
		if key != nil {
			h.DigestKind = DigestSHA256Tree
		}
	}
	if !h.DigestKind.Known() || key != nil && !h.DigestKind.Signable() {
		return nil, fmt.Errorf("artifact: cannot sign a digest of kind %v", h.DigestKind)
	}
	h.Sections = make([]Section, len(sections))
	for i, s := range sections {
		h.Sections[i].Kind = s.Kind
	}
	// The header's size depends only on its strings and counts, so encode
	// it once to learn where the sections start, then again with offsets.
	off := uint64(len(encodeHeader(nil, &h)))
	total := 0
	for i, s := range sections {
		align := uint64(8)
		if s.Kind == SectionCode {
			align = CodeAlign
		}
		off = (off + align - 1) &^ (align - 1)
		h.Sections[i].Offset, h.Sections[i].Size = off, uint64(len(s.Data))
		off += uint64(len(s.Data))
		if s.Kind == SectionCode {
			off = (off + CodeAlign - 1) &^ (CodeAlign - 1)
		}
		total += len(s.Data)
	}
	b := make([]byte, 0, int(off)+TrailerSize)
	b = encodeHeader(b, &h)
	for i, s := range sections {
		pad := byte(0)
		if s.Kind == SectionCode {
			pad = 0xCC // int3: the padding is executable
		}
		b = append(b, bytes.Repeat([]byte{0}, int(h.Sections[i].Offset)-len(b))...)
		b = append(b, s.Data...)
		if s.Kind == SectionCode {
			end := (len(b) + CodeAlign - 1) &^ (CodeAlign - 1)
			b = append(b, bytes.Repeat([]byte{pad}, end-len(b))...)
		}
	}
	return AppendTrailer(b, key), nil
}

// AppendTrailer appends to contents (everything before the trailer) the
// trailer: their digest, of the kind they record, and, when key is not
// nil, its signature.
func AppendTrailer(contents []byte, key ed25519.PrivateKey) []byte {
	kind := KindOf(contents)
	t := trailer{Digest: kind.Sum(contents)}
	if key != nil {
		copy(t.Key[:], key.Public().(ed25519.PublicKey))
		copy(t.Signature[:], ed25519.Sign(key, signedMessage(kind, t.Digest)))
	}
	return append(contents, t.encode()...)
}

// Options control loading.
type Options struct {
	// TrustedKeys, when not empty, makes a signature by one of them
	// required.
	TrustedKeys []ed25519.PublicKey
	// SkipDigest skips the digest check. Only benchmarks that measure the
	// rest of loading set it.
	SkipDigest bool
}

// verify checks, in this order and before anything else in b is trusted:
// the magic, the format version, the trailer, the digest kind, the digest
// and the signature. Then it reads the header.
func verify(b []byte, opts Options) (*Header, *trailer, error) {
	if len(b) < len(Magic) || string(b[:len(Magic)]) != Magic {
		return nil, nil, errorf(FieldMagic, "not a moat artifact (no %q at the start)", Magic)
	}
	if len(b) < minSize {
		return nil, nil, errorf(FieldLength, "%d bytes, shorter than any artifact: truncated", len(b))
	}
	if v := binary.LittleEndian.Uint32(b[len(Magic):]); v != FormatVersion {
		return nil, nil, mismatch(FieldVersion, fmt.Sprint(FormatVersion), fmt.Sprint(v))
	}
	end := len(b) - TrailerSize
	if string(b[len(b)-len(trailerMagic):]) != trailerMagic {
		return nil, nil, errorf(FieldLength, "no trailer at the end of its %d bytes: truncated or damaged", len(b))
	}
	t := decodeTrailer(b[end:])
	kind := KindOf(b)
	if !kind.Known() {
		return nil, nil, errorf(FieldDigest, "unknown digest kind %d: the file is damaged", uint32(kind))
	}
	if t.signed() && !kind.Signable() {
		// Checked before the digest: a signature resting on a checksum
		// anyone can match would prove nothing.
		return nil, nil, errorf(FieldSignature, "signed over a %v digest, which a forger can match: only %v digests are signed", kind, DigestSHA256Tree)
	}
	if !opts.SkipDigest {
		if d := kind.Sum(b[:end]); d != t.Digest {
			return nil, nil, mismatch(FieldDigest, fmt.Sprintf("%v %x (computed)", kind, d[:8]), fmt.Sprintf("%x (recorded): the file is damaged", t.Digest[:8]))
		}
	}
	if err := verifySignature(t, kind, opts.TrustedKeys); err != nil {
		return nil, nil, err
	}
	h, err := decodeHeader(b[:end], end)
	if err != nil {
		return nil, nil, err
	}
	if h.Section(SectionModule) == nil || h.Section(SectionCode) == nil || h.Section(SectionTables) == nil {
		return nil, nil, errorf(FieldHeader, "module, code or tables section missing")
	}
	return h, t, nil
}

// Write is Encode followed by a write to w.
func Write(w io.Writer, h Header, sections []SectionData, key ed25519.PrivateKey) (int64, error) {
	b, err := Encode(h, sections, key)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}
