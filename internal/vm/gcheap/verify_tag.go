//go:build moat_gcverify

package gcheap

func init() { SetVerify(true) }
