package wasi

// SameParts reports whether two Systems of Prepared.AttachWith keep their
// own parts in the same recycled room (one reused the other's once it was
// closed).
func SameParts(a, b *System) bool { return a.sys.SharesRoom(b.sys) }
