package artifact

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// An artifact is signed by signing its digest, which covers every byte
// before the trailer: the signed message is signContext, the digest kind's
// name and a NUL, and the 32-byte digest. Only a collision-resistant kind
// (DigestSHA256Tree) may be signed; naming it in the message keeps a
// signature from ever standing for a digest of another kind. The trailer carries the signer's public key, so every
// load verifies a signature, trusted keys or not: the trailer is not under
// the digest, and this way a damaged key or signature is caught too. An
// unsigned artifact has both all zero. With trusted keys, the signer must
// also be one of them.

const signContext = "moat artifact signature v2\x00"

// KeyID is the first 8 bytes of the SHA-256 of an Ed25519 public key: a
// short name for it in messages.
type KeyID [8]byte

// IDOf returns pub's KeyID.
func IDOf(pub ed25519.PublicKey) KeyID {
	sum := sha256.Sum256(pub)
	var id KeyID
	copy(id[:], sum[:])
	return id
}

func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

func signedMessage(kind DigestKind, digest [32]byte) []byte {
	m := append([]byte(signContext), kind.String()...)
	m = append(m, 0)
	return append(m, digest[:]...)
}

// verifySignature checks t's signature, and that its signer is trusted when
// trusted keys are given (then an unsigned artifact fails).
func verifySignature(t *trailer, kind DigestKind, trusted []ed25519.PublicKey) error {
	if !t.signed() {
		if t.Signature != [ed25519.SignatureSize]byte{} {
			return errorf(FieldSignature, "a signature without a key: the trailer is damaged")
		}
		if len(trusted) > 0 {
			return mismatch(FieldSignature, "a signature by a trusted key", "no signature")
		}
		return nil
	}
	key := ed25519.PublicKey(t.Key[:])
	id := IDOf(key).String()
	if !ed25519.Verify(key, signedMessage(kind, t.Digest), t.Signature[:]) {
		return errorf(FieldSignature, "the signature by key %s does not verify: forged or damaged", id)
	}
	if len(trusted) > 0 && !slices.ContainsFunc(trusted, func(k ed25519.PublicKey) bool { return key.Equal(k) }) {
		return mismatch(FieldSignature, "a signature by a trusted key", "a signature by key "+id+", which is not trusted")
	}
	return nil
}
