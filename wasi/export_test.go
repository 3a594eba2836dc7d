package wasi

// SameParts reports whether two Systems of Prepared.AttachWith are served
// by the same recycled parts (one reused the other's once it was closed).
func SameParts(a, b *System) bool { return a.spare != nil && a.spare == b.spare }
