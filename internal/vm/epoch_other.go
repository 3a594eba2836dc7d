//go:build !(linux && amd64)

package vm

// EpochSupported reports whether this platform has the epoch's ticker.
const EpochSupported = false

// StartEpoch reports ErrNativeUnsupported.
func StartEpoch() error { return ErrNativeUnsupported }

// DisableRealtimeTicker does nothing: there is no ticker.
func DisableRealtimeTicker() {}

// RealtimeTicker reports false: there is no ticker.
func RealtimeTicker() bool { return false }

func wakeTicker() {}

func epochAddr() uintptr { return 0 }

func epochSpinning() {}
