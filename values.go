package moat

import "math"

// Values cross the API as uint64 words, as the engines keep them: integers
// zero-extended from their bit pattern, floats as IEEE-754 bits, references
// as opaque words (0 is null), and v128 as two words, low half first. These
// helpers convert between Go values and words.

// EncodeI32 returns the word for an i32.
func EncodeI32(v int32) uint64 { return uint64(uint32(v)) }

// DecodeI32 reads an i32 from a word.
func DecodeI32(w uint64) int32 { return int32(uint32(w)) }

// EncodeU32 returns the word for an i32 given as unsigned.
func EncodeU32(v uint32) uint64 { return uint64(v) }

// DecodeU32 reads an i32 as unsigned.
func DecodeU32(w uint64) uint32 { return uint32(w) }

// EncodeI64 returns the word for an i64.
func EncodeI64(v int64) uint64 { return uint64(v) }

// DecodeI64 reads an i64 from a word.
func DecodeI64(w uint64) int64 { return int64(w) }

// EncodeF32 returns the word holding the bits of an f32.
func EncodeF32(v float32) uint64 { return uint64(math.Float32bits(v)) }

// DecodeF32 reads an f32 from a word.
func DecodeF32(w uint64) float32 { return math.Float32frombits(uint32(w)) }

// EncodeF64 returns the word holding the bits of an f64.
func EncodeF64(v float64) uint64 { return math.Float64bits(v) }

// DecodeF64 reads an f64 from a word.
func DecodeF64(w uint64) float64 { return math.Float64frombits(w) }
