//go:build !(linux && amd64)

package vm

// EpochSupported reports whether this platform has the epoch's ticker.
const EpochSupported = false

// StartEpoch reports ErrNativeUnsupported.
func StartEpoch() error { return ErrNativeUnsupported }

func wakeTicker() {}

func epochAddr() uintptr { return 0 }

func epochSpinning() {}
