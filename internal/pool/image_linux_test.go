//go:build linux

package pool

import (
	"testing"

	"golang.org/x/sys/unix"
)

func checkImage(t *testing.T, img *Image) {
	buf := make([]byte, 5002)
	if _, err := unix.Pread(img.FD(), buf, 0); err != nil {
		t.Fatal(err)
	}
	if string(buf[:3]) != "aXc" || buf[5000] != 'z' || buf[3] != 0 || buf[5001] != 0 {
		t.Errorf("image holds %q...%q", buf[:4], buf[5000:])
	}
	if _, err := unix.Pwrite(img.FD(), []byte("!"), 0); err == nil {
		t.Error("writing to the sealed image succeeded")
	}
	if err := unix.Ftruncate(img.FD(), 1<<20); err == nil {
		t.Error("growing the sealed image succeeded")
	}
	if _, err := unix.Mmap(img.FD(), 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err == nil {
		t.Error("a shared writable mapping of the sealed image succeeded")
	}
}
