package artifact

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
)

// modulePath is moat's module path, looked up in the build information.
const modulePath = "github.com/moat-run/moat"

// BuildID identifies the moat build that compiles code, for the header and
// the cache key: an artifact runs only in the build that made it, since the
// code depends on every detail of the compiler and the runtime contract.
//
// It reads runtime/debug.ReadBuildInfo: moat's module version and checksum
// (moat as a dependency) or VCS revision (moat as the main module), the Go
// version, and the build settings that change generated Go code. When
// those do not pin the source — a development build ("(devel)", a modified
// work tree, a replace by a local directory, a test binary) — the running
// executable's identity is added: the Go build ID the linker stores in it
// (a hash of every input of the build, read from the ELF note in well under
// a millisecond), or else the hash of the whole file. So a rebuilt program
// never trusts code from the one before. The result is "VERSION HASH", HASH being 16 hex
// digits of the SHA-256 of everything above.
var BuildID = sync.OnceValue(buildID)

func buildID() string {
	bi, ok := debug.ReadBuildInfo()
	h := sha256.New()
	version := "(unknown)"
	pinned := false
	if ok {
		version, pinned = moatVersion(bi, h)
		io.WriteString(h, "go="+bi.GoVersion+"\n")
		for _, s := range bi.Settings {
			switch s.Key {
			case "GOARCH", "GOAMD64", "GOARM64", "-tags", "-compiler", "-gcflags", "-race", "-msan", "-asan":
				io.WriteString(h, s.Key+"="+s.Value+"\n")
			}
		}
	}
	if !pinned {
		io.WriteString(h, "executable="+executableID()+"\n")
	}
	return version + " " + hex.EncodeToString(h.Sum(nil)[:8])
}

// moatVersion writes what identifies moat's source to h and returns its
// version, and whether that pins the source.
func moatVersion(bi *debug.BuildInfo, h io.Writer) (string, bool) {
	if bi.Main.Path == modulePath {
		v := bi.Main.Version
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		io.WriteString(h, "main="+v+" "+bi.Main.Sum+" rev="+rev+" modified="+modified+"\n")
		pinned := (rev != "" && modified == "false") || (released(v) && bi.Main.Sum != "")
		return v, pinned
	}
	for _, d := range bi.Deps {
		if d.Path != modulePath {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		io.WriteString(h, "dep="+d.Path+" "+d.Version+" "+d.Sum+"\n")
		return d.Version, released(d.Version) && d.Sum != ""
	}
	return "(unknown)", false
}

// released reports whether v names a version rather than a local build.
func released(v string) bool {
	return strings.HasPrefix(v, "v") && !strings.Contains(v, "+dirty")
}

// executableID identifies the running program's file: its Go build ID, or
// the hash of its contents ("unknown" when it cannot be read, which then
// identifies nothing: such a build shares ids only with identical builds
// that also cannot read themselves).
func executableID() string {
	path, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	if id := goBuildID(path); id != "" {
		return "go-build-id:" + id
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	d := sha256Tree(b)
	return "sha256-tree:" + hex.EncodeToString(d[:])
}

// goBuildID reads the Go build ID from an ELF executable's
// .note.go.buildid section, or returns "". The ID hashes the build's
// inputs and the linked result, so any change to the program changes it.
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil || s.Size > 1024 {
		return ""
	}
	note, err := s.Data()
	if err != nil || len(note) < 12 {
		return ""
	}
	// An ELF note: name size, description size, type, then the name
	// ("Go\0", padded to 4 bytes) and the description (the ID).
	nameSize, descSize := int(binary.LittleEndian.Uint32(note)), int(binary.LittleEndian.Uint32(note[4:]))
	off := 12 + (nameSize+3)&^3
	if nameSize != 4 || string(note[12:15]) != "Go\x00" || descSize <= 0 || off+descSize > len(note) {
		return ""
	}
	return string(note[off : off+descSize])
}
