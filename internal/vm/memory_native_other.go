//go:build !linux

package vm

// MapNative reports ErrNativeUnsupported: there is no native code here.
func (m *Memory) MapNative() error { return ErrNativeUnsupported }

// Base is 0: memories are never mapped here.
func (m *Memory) Base() uintptr { return 0 }
