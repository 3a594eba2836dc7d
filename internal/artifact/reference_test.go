package artifact

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/moat-run/moat/internal/vm"
)

const vmNative = vm.NativeSupported

// referenceDigest is Digest written out serially from its definition.
func referenceDigest(b []byte) [32]byte {
	var leaves []byte
	for off := 0; off < len(b); off += chunkSize {
		sum := sha256.Sum256(append([]byte{0}, b[off:min(off+chunkSize, len(b))]...))
		leaves = append(leaves, sum[:]...)
	}
	head := []byte{1}
	head = binary.LittleEndian.AppendUint64(head, uint64(len(b)))
	return sha256.Sum256(append(head, leaves...))
}

// referenceCRC32C is CRC-32C from its definition, a bit at a time: the
// reflected Castagnoli polynomial 0x82F63B78, initial value and final XOR
// all ones.
func referenceCRC32C(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x82F63B78
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}
