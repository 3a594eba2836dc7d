package artifact

import "fmt"

// Error reports an artifact that cannot be used: not an artifact, damaged,
// unsigned where a signature is required, or made for another build,
// processor or configuration. Field names what is wrong, in the words of
// the header ("digest", "signature", "moat build", "cpu features", a
// configuration key, ...). For a mismatch, Want is what this engine needs
// and Got what the artifact holds; otherwise Got says what was found.
type Error struct {
	Field     string
	Want, Got string
}

func (e *Error) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("artifact %s: %s", e.Field, e.Got)
	}
	return fmt.Sprintf("artifact %s mismatch: this engine needs %s, the artifact has %s", e.Field, e.Want, e.Got)
}

// Field names used by this package's errors.
const (
	FieldMagic     = "magic"          // not an artifact at all
	FieldVersion   = "format version" // an artifact of another format version
	FieldLength    = "length"         // truncated, or too large
	FieldDigest    = "digest"         // damaged: the contents do not match the digest
	FieldSignature = "signature"      // unsigned, or not signed by a trusted key
	FieldHeader    = "header"         // the header or section table is inconsistent
	FieldArch      = "architecture"
	FieldBuild     = "moat build"
	FieldCPU       = "cpu features"
	FieldModule    = "module" // the module's hash is not the one expected
)

func errorf(field, format string, args ...any) *Error {
	return &Error{Field: field, Got: fmt.Sprintf(format, args...)}
}

func mismatch(field, want, got string) *Error {
	return &Error{Field: field, Want: want, Got: got}
}
