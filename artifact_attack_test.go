package moat_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
)

// These tests take the attacker's side: artifacts damaged, truncated,
// forged, re-signed or made for another build. Each must be refused with an
// *ArtifactError naming the problem before any of it is mapped executable.

// smallArtifact is the artifact of behaviourWat.
func smallArtifact(t testing.TB, e *moat.Engine) []byte {
	t.Helper()
	mod, err := e.Compile(wat2wasm(t, behaviourWat))
	if err != nil {
		t.Fatal(err)
	}
	b, err := mod.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantArtifactError requires an *ArtifactError, of one of fields when given.
func wantArtifactError(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	var ae *moat.ArtifactError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: got %v, want an *ArtifactError", what, err)
	}
	if len(fields) == 0 {
		return
	}
	for _, f := range fields {
		if ae.Field == f {
			return
		}
	}
	t.Fatalf("%s: error about %q (%v), want one of %q", what, ae.Field, ae, fields)
}

// TestArtifactRefusesEveryFlippedByte flips each byte of an artifact in
// turn (code, tables, module, header, digest and signature alike): every
// copy is refused, by the digest or by the checks before it.
func TestArtifactRefusesEveryFlippedByte(t *testing.T) {
	e := compilerEngine(t, moat.Config{})
	b := smallArtifact(t, e)
	damaged := make([]byte, len(b))
	for i := range b {
		copy(damaged, b)
		damaged[i] ^= 0x20
		_, err := e.Deserialize(damaged)
		wantArtifactError(t, "byte "+strconv.Itoa(i)+" flipped", err, "digest", "magic", "format version", "length", "signature")
	}
	// The file path reads through a mapping: a sample of positions there.
	dir := t.TempDir()
	for _, i := range []int{0, 9, 100, len(b) / 2, len(b) - artifact.TrailerSize - 1, len(b) - artifact.TrailerSize, len(b) - 1} {
		copy(damaged, b)
		damaged[i] ^= 1
		p := filepath.Join(dir, "damaged.cwasm")
		if err := os.WriteFile(p, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := e.DeserializeFile(p)
		wantArtifactError(t, "file with byte "+strconv.Itoa(i)+" flipped", err)
	}
}

// TestArtifactRefusesTruncation cuts an artifact at every length.
func TestArtifactRefusesTruncation(t *testing.T) {
	e := compilerEngine(t, moat.Config{})
	b := smallArtifact(t, e)
	for n := range len(b) {
		_, err := e.Deserialize(b[:n])
		wantArtifactError(t, "truncated to "+strconv.Itoa(n), err, "magic", "length", "digest")
	}
	p := filepath.Join(t.TempDir(), "cut.cwasm")
	if err := os.WriteFile(p, b[:len(b)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.DeserializeFile(p)
	wantArtifactError(t, "truncated file", err, "length")
}

// TestArtifactRefusesRandomFiles: random bytes, random bytes behind a valid
// magic and version, and a WebAssembly module are not artifacts.
func TestArtifactRefusesRandomFiles(t *testing.T) {
	e := compilerEngine(t, moat.Config{})
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := range 200 {
		b := make([]byte, rng.IntN(20000))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if i%2 == 1 && len(b) > 16 {
			copy(b, artifact.Magic+"\x01\x00\x00\x00")
		}
		_, err := e.Deserialize(b)
		wantArtifactError(t, "random bytes", err)
	}
	_, err := e.Deserialize(wat2wasm(t, behaviourWat))
	wantArtifactError(t, "a .wasm module", err, "magic")
}

// TestArtifactSignatures: an engine with trusted keys loads only artifacts
// signed by one of them.
func TestArtifactSignatures(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	signer := compilerEngine(t, moat.Config{})
	mod, err := signer.Compile(wat2wasm(t, behaviourWat))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := mod.SerializeSigned(priv)
	if err != nil {
		t.Fatal(err)
	}
	byOther, _ := mod.SerializeSigned(otherPriv)
	unsigned, _ := mod.Serialize()

	strict := compilerEngine(t, moat.Config{TrustedKeys: []ed25519.PublicKey{pub}})
	if _, err := strict.Deserialize(signed); err != nil {
		t.Fatalf("signed by a trusted key: %v", err)
	}
	two := compilerEngine(t, moat.Config{TrustedKeys: []ed25519.PublicKey{otherPub, pub}})
	if _, err := two.Deserialize(signed); err != nil {
		t.Fatalf("signed by the second trusted key: %v", err)
	}
	_, err = strict.Deserialize(unsigned)
	wantArtifactError(t, "unsigned", err, "signature")
	_, err = strict.Deserialize(byOther)
	wantArtifactError(t, "signed by an untrusted key", err, "signature")

	// The signature is in the trailer, outside the digest: forging it, or
	// moving a valid one onto other contents, must fail too.
	keyAt := len(signed) - artifact.TrailerSize + 32
	sigAt := keyAt + ed25519.PublicKeySize
	forged := append([]byte(nil), signed...)
	forged[sigAt+5] ^= 1
	_, err = strict.Deserialize(forged)
	wantArtifactError(t, "forged signature", err, "signature")

	stripped := append([]byte(nil), signed...)
	clear(stripped[keyAt : sigAt+ed25519.SignatureSize])
	_, err = strict.Deserialize(stripped)
	wantArtifactError(t, "signature removed", err, "signature")

	other, err := signer.CompileText([]byte(`(module (func (export "f") (result i32) (i32.const 7)))`))
	if err != nil {
		t.Fatal(err)
	}
	otherArt, _ := other.Serialize()
	transplant := append([]byte(nil), otherArt...)
	copy(transplant[len(transplant)-artifact.TrailerSize+32:], signed[len(signed)-artifact.TrailerSize+32:])
	_, err = strict.Deserialize(transplant)
	wantArtifactError(t, "signature moved to other contents", err, "signature")

	// Contents changed and the digest recomputed (what anyone can do)
	// keep the key and signature, which no longer verify; signing them
	// anew needs the private key.
	f, err := artifact.Load(signed, artifact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := *f.Header
	h.Build = h.Build + " "
	redone, err := artifact.Encode(h, sectionsOf(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	copy(redone[len(redone)-artifact.TrailerSize+32:], signed[len(signed)-artifact.TrailerSize+32:])
	_, err = strict.Deserialize(redone)
	wantArtifactError(t, "re-digested contents under the old signature", err, "signature")

	// The SHA-256 digest under the signature swapped for the CRC-32C
	// (kind changed, the CRC of the changed contents written where the
	// digest was, key and signature kept): a CRC anyone can match never
	// carries a signature, trusted keys or not.
	end := len(signed) - artifact.TrailerSize
	rekinded := append([]byte(nil), signed...)
	copy(rekinded[len(artifact.Magic)+4:], []byte{byte(artifact.DigestCRC32C), 0, 0, 0})
	sum := artifact.DigestCRC32C.Sum(rekinded[:end])
	copy(rekinded[end:], sum[:])
	for _, e := range []*moat.Engine{strict, signer} {
		_, err = e.Deserialize(rekinded)
		wantArtifactError(t, "signature over a CRC-32C", err, "signature")
	}

	// An engine without trusted keys accepts signed and unsigned alike,
	// but still refuses a signature that does not verify.
	for _, b := range [][]byte{signed, byOther, unsigned} {
		if _, err := signer.Deserialize(b); err != nil {
			t.Fatalf("no trusted keys: %v", err)
		}
	}
	_, err = signer.Deserialize(forged)
	wantArtifactError(t, "forged signature, no trusted keys", err, "signature")
}

// sectionsOf lists f's sections for artifact.Encode.
func sectionsOf(f *artifact.File) []artifact.SectionData {
	var out []artifact.SectionData
	for _, s := range f.Header.Sections {
		out = append(out, artifact.SectionData{Kind: s.Kind, Data: f.Section(s.Kind)})
	}
	return out
}

// reheader re-encodes artifact b with its header changed by edit and a
// correct digest: what a mismatched but intact artifact looks like.
func reheader(t *testing.T, b []byte, edit func(h *artifact.Header)) []byte {
	t.Helper()
	f, err := artifact.Load(b, artifact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := *f.Header
	h.Target.CPU = append([]string(nil), h.Target.CPU...)
	h.Target.Settings = append([]artifact.Setting(nil), h.Target.Settings...)
	edit(&h)
	out, err := artifact.Encode(h, sectionsOf(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestArtifactHeaderMismatch: intact artifacts made for another build,
// architecture, CPU or configuration are refused, naming the field.
func TestArtifactHeaderMismatch(t *testing.T) {
	e := compilerEngine(t, moat.Config{})
	b := smallArtifact(t, e)
	for _, tc := range []struct {
		field string
		edit  func(h *artifact.Header)
	}{
		{"moat build", func(h *artifact.Header) { h.Build = "v0.0.1 0123456789abcdef" }},
		{"architecture", func(h *artifact.Header) { h.Target.Arch = "arm64" }},
		{"cpu features", func(h *artifact.Header) { h.Target.CPU = append(h.Target.CPU, "avx512f") }},
		{"bounds checks", func(h *artifact.Header) {
			for i := range h.Target.Settings {
				if h.Target.Settings[i].Key == "bounds checks" {
					h.Target.Settings[i].Value += ", changed"
				}
			}
		}},
		{"wasm features", func(h *artifact.Header) { h.Features = append(h.Features, "threads") }},
		{"future option", func(h *artifact.Header) {
			h.Target.Settings = append(h.Target.Settings, artifact.Setting{Key: "future option", Value: "on"})
		}},
	} {
		_, err := e.Deserialize(reheader(t, b, tc.edit))
		wantArtifactError(t, tc.field, err, tc.field)
	}
	var ae *moat.ArtifactError
	_, err := e.Deserialize(reheader(t, b, func(h *artifact.Header) { h.Build = "v0.0.1 0123456789abcdef" }))
	if errors.As(err, &ae); ae == nil || ae.Got != "v0.0.1 0123456789abcdef" || ae.Want != artifact.BuildID() {
		t.Errorf("build mismatch reported as %+v", ae)
	}
}

// TestArtifactCPUFeatures: code compiled with AVX does not load in an engine
// kept to the SSE baseline (MOAT_NO_AVX), while baseline code loads
// anywhere.
func TestArtifactCPUFeatures(t *testing.T) {
	host := compilerEngine(t, moat.Config{})
	hostArt := smallArtifact(t, host)
	t.Setenv("MOAT_NO_AVX", "1")
	base := compilerEngine(t, moat.Config{})
	baseArt := smallArtifact(t, base)
	if _, err := host.Deserialize(baseArt); err != nil {
		t.Fatalf("baseline code in an AVX engine: %v", err)
	}
	f, err := artifact.Load(hostArt, artifact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Header.Target.CPU) == 0 {
		t.Skip("the host has no AVX: both artifacts are baseline")
	}
	_, err = base.Deserialize(hostArt)
	wantArtifactError(t, "AVX code in a baseline engine", err, "cpu features")
	var ae *moat.ArtifactError
	errors.As(err, &ae)
	if ae.Want != "baseline" || ae.Got != "avx,avx2" && ae.Got != "avx" {
		t.Errorf("cpu mismatch reported as %+v", ae)
	}
}

// TestArtifactInterpreter: the interpreter has no native code, so it
// neither writes nor loads artifacts, and says so with Field "engine".
func TestArtifactInterpreter(t *testing.T) {
	in, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := in.Compile(wat2wasm(t, behaviourWat))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mod.Serialize()
	wantArtifactError(t, "Serialize on the interpreter", err, "engine")
	_, err = in.Deserialize(smallArtifact(t, compilerEngine(t, moat.Config{})))
	wantArtifactError(t, "Deserialize on the interpreter", err, "engine")
	_, err = in.DeserializeFile("/nonexistent.cwasm")
	wantArtifactError(t, "DeserializeFile on the interpreter", err, "engine")
}
