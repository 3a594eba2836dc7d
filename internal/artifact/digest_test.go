package artifact

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// TestDigestCRC32C checks the CRC-32C digest against the standard check
// value and a bitwise reference, that it is zero-padded, and that every
// single-bit error changes it.
func TestDigestCRC32C(t *testing.T) {
	if got := crc32c([]byte("123456789")); binary.LittleEndian.Uint32(got[:]) != 0xE3069283 {
		t.Fatalf("CRC-32C of \"123456789\" is %x, want e3069283", got[:4])
	}
	for _, n := range []int{0, 1, 7, 8, 63, 4099, 1<<20 + 5} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*13 + i>>8)
		}
		d := crc32c(b)
		if got, want := binary.LittleEndian.Uint32(d[:]), referenceCRC32C(b); got != want {
			t.Errorf("%d bytes: %08x, want %08x", n, got, want)
		}
		if [28]byte(d[4:]) != [28]byte{} {
			t.Errorf("%d bytes: padding %x not zero", n, d[4:])
		}
	}
	b := bytes.Repeat([]byte("moat"), 256)
	d := crc32c(b)
	for i := range len(b) * 8 {
		b[i/8] ^= 1 << (i % 8)
		if crc32c(b) == d {
			t.Fatalf("bit %d flipped leaves the CRC unchanged", i)
		}
		b[i/8] ^= 1 << (i % 8)
	}
}

// TestDigestKinds: unsigned artifacts carry a CRC-32C, signed ones the
// SHA-256 tree; either kind loads unsigned; a signature never rests on a
// CRC, and an unknown kind or an old format is refused by name.
func TestDigestKinds(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	unsigned, signed := sampleArtifact(t, nil), sampleArtifact(t, priv)
	for _, tc := range []struct {
		name string
		b    []byte
		want DigestKind
	}{{"unsigned", unsigned, DigestCRC32C}, {"signed", signed, DigestSHA256Tree}} {
		f, err := Load(tc.b, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		end := len(tc.b) - TrailerSize
		if f.Header.DigestKind != tc.want || KindOf(tc.b) != tc.want {
			t.Errorf("%s: digest kind %v, want %v", tc.name, f.Header.DigestKind, tc.want)
		}
		if d := tc.want.Sum(tc.b[:end]); !bytes.Equal(tc.b[end:end+32], d[:]) {
			t.Errorf("%s: trailer digest %x, want %x", tc.name, tc.b[end:end+32], d)
		}
	}

	wantErr := func(what string, err error, field, detail string) {
		t.Helper()
		var ae *Error
		if !errors.As(err, &ae) || ae.Field != field || !strings.Contains(ae.Error(), detail) {
			t.Errorf("%s: got %v, want an *Error about %q saying %q", what, err, field, detail)
		}
	}

	// An unsigned artifact may carry the SHA-256 tree too.
	h := goldenHeader()
	h.DigestKind = DigestSHA256Tree
	b, err := Encode(h, []SectionData{
		{SectionModule, []byte("\x00asm\x01\x00\x00\x00")},
		{SectionTables, bytes.Repeat([]byte{7}, 30)},
		{SectionCode, bytes.Repeat([]byte{0x90}, 5000)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(b, Options{}); err != nil {
		t.Errorf("unsigned with a SHA-256 tree: %v", err)
	}
	h.DigestKind = DigestCRC32C
	_, err = Encode(h, nil, priv)
	if err == nil || !strings.Contains(err.Error(), "crc32c") {
		t.Errorf("signing a CRC: got %v", err)
	}

	// A signed artifact turned into a CRC one (kind changed, CRC written
	// where the SHA-256 digest was, key and signature kept): refused for
	// what it is, with trusted keys or without.
	end := len(signed) - TrailerSize
	rekinded := append([]byte(nil), signed...)
	binary.LittleEndian.PutUint32(rekinded[digestKindAt:], uint32(DigestCRC32C))
	crc := crc32c(rekinded[:end])
	copy(rekinded[end:], crc[:])
	for _, opts := range []Options{{}, {TrustedKeys: []ed25519.PublicKey{pub}}} {
		_, err := Load(rekinded, opts)
		wantErr("signature over a CRC", err, FieldSignature, "crc32c")
	}

	unknown := append([]byte(nil), unsigned...)
	binary.LittleEndian.PutUint32(unknown[digestKindAt:], 77)
	_, err = Load(AppendTrailer(unknown[:len(unknown)-TrailerSize], nil), Options{})
	wantErr("unknown kind", err, FieldDigest, "unknown digest kind 77")

	// The CRC's zero padding in the trailer is compared too.
	padded := append([]byte(nil), unsigned...)
	padded[len(padded)-TrailerSize+20] = 1
	_, err = Load(padded, Options{})
	wantErr("padding of the CRC", err, FieldDigest, "damaged")

	// A file of the previous format (SHA-256 tree only, no kind field) is
	// refused by its version before anything else is read.
	old := append([]byte(nil), unsigned...)
	binary.LittleEndian.PutUint32(old[len(Magic):], 2)
	_, err = Load(old, Options{})
	wantErr("format 2", err, FieldVersion, "the artifact has 2")
}
