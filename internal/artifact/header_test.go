package artifact

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenHeader is a header with every field set.
func goldenHeader() Header {
	h := Header{
		Version:    FormatVersion,
		DigestKind: DigestCRC32C,
		Build:      "v1.2.3 0123456789abcdef",
		Target: Target{Arch: "amd64", CPU: []string{"avx", "avx2"},
			Settings: []Setting{{"bounds checks", "explicit"}, {"stack", "checked"}}},
		Features: []string{"tail-call", "exceptions"},
		Sections: []Section{{SectionModule, 4096, 100}, {SectionTables, 4200, 24}, {SectionCode, 8192, 4000}},
	}
	for i := range h.ModuleHash {
		h.ModuleHash[i] = byte(i)
	}
	return h
}

// TestHeaderGolden pins the header encoding byte for byte: a change to it
// is a change of format, which must come with a new FormatVersion.
func TestHeaderGolden(t *testing.T) {
	h := goldenHeader()
	enc := encodeHeader(nil, &h)
	got := hex.Dump(enc)
	path := filepath.Join("testdata", "header.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("header encoding differs from %s (a format change needs a new FormatVersion; then run with -update):\n%s", path, got)
	}
	// It decodes back to the same header, once its sections fit the file.
	file := append(enc, make([]byte, 12192-len(enc))...)
	back, err := decodeHeader(file, len(file))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*back, h) {
		t.Errorf("decoded %+v\nwant    %+v", *back, h)
	}
}

// TestDecodeHeaderRefuses lists the inconsistent headers decodeHeader
// refuses; none may panic or allocate much.
func TestDecodeHeaderRefuses(t *testing.T) {
	h := goldenHeader()
	good := encodeHeader(nil, &h)
	end := 12192
	file := func(b []byte) []byte { return append(append([]byte(nil), b...), make([]byte, max(end-len(b), 0))...) }
	edit := func(f func(h *Header)) []byte {
		h := goldenHeader()
		f(&h)
		return encodeHeader(nil, &h)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		end  int
	}{
		{"overlapping sections", edit(func(h *Header) { h.Sections[1].Offset = 4150 }), end},
		{"section past the end", edit(func(h *Header) { h.Sections[2].Size = 1 << 40 }), end},
		{"section offset overflows", edit(func(h *Header) { h.Sections[2].Offset = ^uint64(0) - 10 }), end},
		{"unaligned code", edit(func(h *Header) { h.Sections[2].Offset = 8200 }), end},
		{"two module sections", edit(func(h *Header) { h.Sections[1].Kind = SectionModule }), end},
		{"section inside the header", edit(func(h *Header) { h.Sections[0].Offset = 10 }), end},
		{"header larger than the file", good, 100},
		{"flags", func() []byte { b := append([]byte(nil), good...); b[len(b)-3*24+4] = 1; return b }(), end},
		{"too many sections", func() []byte {
			b := append([]byte(nil), good...)
			b[len(b)-3*24-4] = 200
			return b
		}(), end},
		{"cut header", good[:40], 40},
		{"unknown digest kind", func() []byte { b := append([]byte(nil), good...); b[digestKindAt] = 9; return b }(), end},
	} {
		_, err := decodeHeader(file(tc.b)[:max(tc.end, len(tc.b))], tc.end)
		var ae *Error
		if !errors.As(err, &ae) {
			t.Errorf("%s: got %v, want an *Error", tc.name, err)
		}
	}
}

// TestCheck names each kind of mismatch.
func TestCheck(t *testing.T) {
	h := goldenHeader()
	build, tgt := h.Build, h.Target
	if err := h.Check(build, tgt); err != nil {
		t.Fatal(err)
	}
	wider := tgt
	wider.CPU = []string{"avx", "avx2", "avx512f"}
	if err := h.Check(build, wider); err != nil {
		t.Errorf("a superset of the CPU features must pass: %v", err)
	}
	for _, tc := range []struct {
		field       string
		build       string
		edit        func(t *Target)
		wantDetails string
	}{
		{FieldBuild, "v9", nil, "v9"},
		{FieldArch, build, func(t *Target) { t.Arch = "arm64" }, "arm64"},
		{FieldCPU, build, func(t *Target) { t.CPU = []string{"avx"} }, "avx"},
		{FieldCPU, build, func(t *Target) { t.CPU = nil }, "baseline"},
		{"bounds checks", build, func(t *Target) { t.Settings = []Setting{{"bounds checks", "guard"}, {"stack", "checked"}} }, "guard"},
		{"new option", build, func(t *Target) { t.Settings = append(t.Settings, Setting{"new option", "y"}) }, "not recorded"},
		{"stack", build, func(t *Target) { t.Settings = t.Settings[:1] }, "not a setting"},
	} {
		want := Target{Arch: tgt.Arch, CPU: tgt.CPU, Settings: append([]Setting(nil), tgt.Settings...)}
		if tc.edit != nil {
			tc.edit(&want)
		}
		err := h.Check(tc.build, want)
		var ae *Error
		if !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
			continue
		}
		if !strings.Contains(ae.Error(), tc.wantDetails) {
			t.Errorf("%s: message %q lacks %q", tc.field, ae.Error(), tc.wantDetails)
		}
	}
}

// sampleArtifact encodes a small artifact, with the digest kind Encode
// chooses.
func sampleArtifact(t testing.TB, key ed25519.PrivateKey) []byte {
	t.Helper()
	h := goldenHeader()
	h.DigestKind = 0
	b, err := Encode(h, []SectionData{
		{SectionModule, []byte("\x00asm\x01\x00\x00\x00")},
		{SectionTables, bytes.Repeat([]byte{7}, 30)},
		{SectionCode, bytes.Repeat([]byte{0x90}, 5000)},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncodeLayout: sections where the header says, the code page-aligned
// and padded with int3 to a page boundary, the trailer last.
func TestEncodeLayout(t *testing.T) {
	b := sampleArtifact(t, nil)
	f, err := Load(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	code := f.Header.Section(SectionCode)
	if code.Offset%CodeAlign != 0 || code.Size != 5000 {
		t.Errorf("code section %+v", code)
	}
	if pad := b[code.Offset+code.Size : code.Offset+2*CodeAlign]; len(pad) != 2*CodeAlign-5000 || bytes.Count(pad, []byte{0xCC}) != len(pad) {
		t.Error("code not padded with int3 to a page boundary")
	}
	if uint64(len(b)) != code.Offset+2*CodeAlign+uint64(TrailerSize) {
		t.Errorf("artifact of %d bytes, want code pages then the trailer", len(b))
	}
	if got := f.Section(SectionTables); !bytes.Equal(got, bytes.Repeat([]byte{7}, 30)) {
		t.Errorf("tables section %v", got)
	}
	if f.Signer() != nil {
		t.Error("unsigned artifact reports a signer")
	}
}

// TestDigestTree checks the SHA-256 tree against its definition, across
// chunk boundaries, and that it sees every byte.
func TestDigestTree(t *testing.T) {
	for _, n := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5*chunkSize + 17} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 7)
		}
		if got, want := sha256Tree(b), referenceDigest(b); got != want {
			t.Errorf("%d bytes: digest %x, want %x", n, got, want)
		}
		if n > 0 {
			d := sha256Tree(b)
			b[n-1] ^= 1
			if sha256Tree(b) == d {
				t.Errorf("%d bytes: the last byte does not change the digest", n)
			}
		}
	}
}

// TestSignedArtifact: a signed artifact names its signer, loads with the
// signer trusted, and not with another key trusted.
func TestSignedArtifact(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	other, _, _ := ed25519.GenerateKey(nil)
	b := sampleArtifact(t, priv)
	f, err := Load(b, Options{TrustedKeys: []ed25519.PublicKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Signer().Equal(pub) {
		t.Error("wrong signer")
	}
	_, err = Load(b, Options{TrustedKeys: []ed25519.PublicKey{other}})
	var ae *Error
	if !errors.As(err, &ae) || ae.Field != FieldSignature || !strings.Contains(ae.Error(), IDOf(pub).String()) {
		t.Errorf("untrusted signer: %v", err)
	}
	if _, err := Encode(goldenHeader(), nil, priv[:10]); err == nil {
		t.Error("a short signing key was accepted")
	}
}

// TestOpenMapsOnlySafeFiles: a private file is mapped; one that others may
// write is read; both verify the same.
func TestOpenMapsOnlySafeFiles(t *testing.T) {
	b := sampleArtifact(t, nil)
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o600, 0o644, 0o664, 0o666} {
		p := filepath.Join(dir, "a.cwasm")
		os.Remove(p)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		f, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantMapped := mode&0o022 == 0 && vmNative
		if f.Mapped() != wantMapped {
			t.Errorf("mode %v: mapped %v, want %v", mode, f.Mapped(), wantMapped)
		}
		if !bytes.Equal(f.Section(SectionTables), bytes.Repeat([]byte{7}, 30)) {
			t.Errorf("mode %v: wrong contents", mode)
		}
		f.Close()
	}
	if _, err := Open(dir, Options{}); err == nil {
		t.Error("opened a directory")
	}
	// A FIFO is refused at once rather than blocking the open.
	fifo := filepath.Join(dir, "fifo.cwasm")
	if err := mkfifo(fifo); err == nil {
		done := make(chan error, 1)
		go func() { _, err := Open(fifo, Options{}); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Error("opened a FIFO")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Open blocked on a FIFO")
		}
	}
}

// TestBuildID is stable and has its documented form.
func TestBuildID(t *testing.T) {
	id := BuildID()
	if id != BuildID() {
		t.Fatal("BuildID changes")
	}
	version, hash, ok := strings.Cut(id, " ")
	if !ok || version == "" || len(hash) != 16 {
		t.Fatalf("BuildID %q, want \"VERSION HASH16\"", id)
	}
	// A test binary is a development build: its Go build ID goes in.
	if runtime.GOOS == "linux" {
		exe, err := os.Executable()
		if err != nil {
			t.Skip(err)
		}
		if goBuildID(exe) == "" {
			t.Errorf("no Go build ID in %s", exe)
		}
		if goBuildID("testdata/header.golden") != "" {
			t.Error("a build ID read from a file that is not an executable")
		}
	}
}
