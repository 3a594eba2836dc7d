package moat

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// Compiled artifacts. A module compiled by the compiler engine can be
// written out (Serialize, WriteTo) and loaded back by any engine of the
// same moat build and code-affecting configuration (Deserialize,
// DeserializeFile), which then skips decoding bodies, validating and
// compiling. docs/artifacts.md describes the format and the checks.
//
// An artifact is native code: loading one runs what it holds with the
// process's rights. Its digest proves it is intact, not where it came
// from; load artifacts only from a source you trust, or configure
// Config.TrustedKeys so that only artifacts signed by your keys load.

// ArtifactError reports an artifact that cannot be loaded: not an artifact,
// damaged (Field "digest", "length"), unsigned or signed by an untrusted key
// where Config.TrustedKeys requires a signature ("signature"), or made for
// something other than this engine: another moat build ("moat build"),
// processor ("cpu features", "architecture"), code-affecting setting (the
// setting's name, e.g. "bounds checks"), or engine ("engine"). For a
// mismatch Want is what this engine needs and Got what the artifact has;
// otherwise Got describes the problem.
type ArtifactError struct {
	Field     string
	Want, Got string
}

func (e *ArtifactError) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("moat: artifact %s: %s", e.Field, e.Got)
	}
	return fmt.Sprintf("moat: artifact %s mismatch: this engine needs %s, the artifact has %s", e.Field, e.Want, e.Got)
}

// FieldWasmFeatures is the ArtifactError field of an artifact whose
// module uses a WebAssembly feature the engine has turned off
// (Config.DisabledFeatures).
const FieldWasmFeatures = "wasm features"

// featureNames lists the features of f by name, in the fixed order of
// wasm.FeatureNames.
func featureNames(f wasm.Features) []string {
	var names []string
	for _, n := range wasm.FeatureNames() {
		if g, _ := wasm.FeatureByName(n); f&g != 0 {
			names = append(names, n)
		}
	}
	return names
}

// featuresOf parses an artifact's feature list.
func featuresOf(names []string) (wasm.Features, error) {
	var f wasm.Features
	for _, n := range names {
		g, ok := wasm.FeatureByName(n)
		if !ok {
			return 0, &ArtifactError{Field: FieldWasmFeatures, Got: fmt.Sprintf("unknown feature %q", n)}
		}
		f |= g
	}
	return f, nil
}

// artifactErrorOf converts the format package's errors; others pass.
func artifactErrorOf(err error) error {
	var ae *artifact.Error
	if errors.As(err, &ae) {
		return &ArtifactError{Field: ae.Field, Want: ae.Want, Got: ae.Got}
	}
	return err
}

// moduleSource is the binary a module came from: the module as given to
// Compile, or, for a module loaded from an artifact, its module section
// (bodies emptied) and the original's hash.
type moduleSource struct {
	bin      []byte
	stripped bool
	hash     [32]byte // set when stripped
}

// moduleHash is the SHA-256 of the module as compiled.
func (mod *Module) moduleHash() [32]byte {
	if mod.src.stripped {
		return mod.src.hash
	}
	return sha256.Sum256(mod.src.bin)
}

// artifactEngine returns the engine's artifact support, or the error that
// says this engine has none.
func (e *Engine) artifactEngine() (engine.ArtifactEngine, error) {
	if ae, ok := e.impl.(engine.ArtifactEngine); ok {
		return ae, nil
	}
	return nil, &ArtifactError{Field: "engine", Want: e.cfg.Engine.String(),
		Got: "compiled code (artifacts hold native code; the interpreter has none to store or load)"}
}

// Serialize returns the module as an artifact (a .cwasm file's contents),
// unsigned. Only modules of the compiler engine have one; on the
// interpreter it fails with an *ArtifactError of Field "engine".
func (mod *Module) Serialize() ([]byte, error) { return mod.serialize(nil) }

// SerializeSigned is Serialize with an Ed25519 signature by key, which
// engines configured with the matching public key in Config.TrustedKeys
// require.
func (mod *Module) SerializeSigned(key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("moat: signing key of %d bytes, want an Ed25519 private key", len(key))
	}
	return mod.serialize(key)
}

// WriteTo writes the module's artifact (unsigned) to w, as io.WriterTo.
func (mod *Module) WriteTo(w io.Writer) (int64, error) {
	b, err := mod.Serialize()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

func (mod *Module) serialize(key ed25519.PrivateKey) ([]byte, error) {
	ae, err := mod.engine.artifactEngine()
	if err != nil {
		return nil, err
	}
	secs, err := ae.ArtifactSections(mod.code)
	if err != nil {
		return nil, fmt.Errorf("moat: %w", err)
	}
	modSec := mod.src.bin
	if !mod.src.stripped {
		if modSec, err = artifact.StripBodies(mod.src.bin); err != nil {
			return nil, fmt.Errorf("moat: %w", err)
		}
	}
	h := artifact.Header{Build: artifact.BuildID(), Target: ae.Target(), ModuleHash: mod.moduleHash(),
		Features: featureNames(mod.m.Features)}
	all := append([]artifact.SectionData{{Kind: artifact.SectionModule, Data: modSec}}, secs...)
	b, err := artifact.Encode(h, all, key)
	// The code section is the module's mapped code, which a cleanup
	// unmaps once mod is unreachable: mod must outlive the copy.
	runtime.KeepAlive(mod)
	if err != nil {
		return nil, fmt.Errorf("moat: %w", err)
	}
	return b, nil
}

// Deserialize loads a module from an artifact made by Serialize, checking
// its digest (and signature, with Config.TrustedKeys) before anything else,
// then that it was made by this moat build for this engine's CPU features
// and configuration; any failure is an *ArtifactError. The module behaves
// exactly like the one serialized. Its code is copied into executable
// memory; its data segments alias b, which must not change while the
// module is in use. The artifact's code runs as native code: see
// ArtifactError and Config.TrustedKeys.
func (e *Engine) Deserialize(b []byte) (*Module, error) {
	if _, err := e.artifactEngine(); err != nil {
		return nil, err
	}
	f, err := artifact.Load(b, e.artifactOptions())
	if err != nil {
		return nil, artifactErrorOf(err)
	}
	return e.moduleFromArtifact(f, nil)
}

// DeserializeFile is Deserialize of the artifact in the file at path,
// which is mapped rather than read: its code runs from the file's pages,
// shared with every process that maps the same file, and nothing is
// copied. (A file that another user may write is read into memory
// instead, so that the checked bytes cannot change; so is a file on a
// mount that forbids executing.) Replace artifacts by renaming a new file
// over them, never by rewriting them in place.
func (e *Engine) DeserializeFile(path string) (*Module, error) {
	if _, err := e.artifactEngine(); err != nil {
		return nil, err
	}
	f, err := artifact.Open(path, e.artifactOptions())
	if err != nil {
		return nil, artifactErrorOf(err)
	}
	defer f.Close()
	return e.moduleFromArtifact(f, nil)
}

func (e *Engine) artifactOptions() artifact.Options {
	return artifact.Options{TrustedKeys: e.cfg.TrustedKeys, SkipDigest: e.skipDigest}
}

// moduleFromArtifact checks f's header against this engine (and, when
// wantHash is set, the module hash), decodes the module section and loads
// the code. The function bodies are not validated again (they are empty:
// the code stands in for them); everything else in the module is.
func (e *Engine) moduleFromArtifact(f *artifact.File, wantHash *[32]byte) (mod *Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			mod, err = nil, fmt.Errorf("moat: internal error while loading an artifact: %v\n%s", r, debug.Stack())
		}
	}()
	ae, err := e.artifactEngine()
	if err != nil {
		return nil, err
	}
	if err := f.Header.Check(artifact.BuildID(), ae.Target()); err != nil {
		return nil, artifactErrorOf(err)
	}
	if wantHash != nil && f.Header.ModuleHash != *wantHash {
		return nil, &ArtifactError{Field: artifact.FieldModule, Want: fmt.Sprintf("sha256 %x", wantHash[:8]), Got: fmt.Sprintf("sha256 %x", f.Header.ModuleHash[:8])}
	}
	modSec := f.Section(artifact.SectionModule)
	m, err := binary.Decode(modSec)
	if err == nil {
		// The bodies were validated before compiling; the rest of the
		// module is checked again (it is cheap), so that whatever the
		// section holds, nothing later indexes past what it declares.
		err = validate.ModuleWithoutBodies(m)
	}
	if err != nil {
		return nil, &ArtifactError{Field: artifact.FieldHeader, Got: "module section: " + err.Error()}
	}
	// The features the module uses, bodies included, as recorded when it
	// was compiled: an engine with one of them off refuses the module.
	used, err := featuresOf(f.Header.Features)
	if err != nil {
		return nil, err
	}
	m.Features |= used
	if off := m.Features & wasm.Features(e.cfg.DisabledFeatures); off != 0 {
		first := off & -off
		return nil, &ArtifactError{Field: FieldWasmFeatures, Want: "modules without " + first.String() + " (turned off)", Got: m.Features.String()}
	}
	code, err := ae.LoadArtifact(m, f)
	if err != nil {
		return nil, artifactErrorOf(err)
	}
	mod = &Module{engine: e, m: m, code: code, src: moduleSource{bin: modSec, stripped: true, hash: f.Header.ModuleHash}}
	mod.describe()
	return mod, nil
}
