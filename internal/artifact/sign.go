package artifact

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
)

// An artifact is signed by signing its digest, which covers every byte
// before the trailer: the signed message is signContext followed by the
// 32-byte digest. The trailer also names the key (KeyID) so that a
// verifier with several trusted keys knows which one to try, and can say
// which key signed an artifact it refuses.

const signContext = "moat artifact signature v1\x00"

// KeyID is the first 8 bytes of the SHA-256 of an Ed25519 public key.
type KeyID [8]byte

// IDOf returns pub's KeyID.
func IDOf(pub ed25519.PublicKey) KeyID {
	sum := sha256.Sum256(pub)
	var id KeyID
	copy(id[:], sum[:])
	return id
}

func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

func signedMessage(digest [32]byte) []byte {
	return append([]byte(signContext), digest[:]...)
}

// verifySignature checks t's signature against the trusted keys. With no
// trusted keys every artifact passes, signed or not.
func verifySignature(t *trailer, trusted []ed25519.PublicKey) error {
	if len(trusted) == 0 {
		return nil
	}
	if t.KeyID == (KeyID{}) {
		return mismatch(FieldSignature, "a signature by a trusted key", "no signature")
	}
	for _, k := range trusted {
		if len(k) != ed25519.PublicKeySize || IDOf(k) != t.KeyID {
			continue
		}
		if ed25519.Verify(k, signedMessage(t.Digest), t.Signature[:]) {
			return nil
		}
		return mismatch(FieldSignature, "a valid signature by key "+t.KeyID.String(), "a signature that does not verify")
	}
	return mismatch(FieldSignature, "a signature by a trusted key", "a signature by key "+t.KeyID.String()+", which is not trusted")
}
