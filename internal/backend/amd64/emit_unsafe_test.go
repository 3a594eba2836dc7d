package amd64

import "unsafe"

func unsafePointer(b []byte) unsafe.Pointer     { return unsafe.Pointer(unsafe.SliceData(b)) }
func unsafePointer64(b []uint64) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
