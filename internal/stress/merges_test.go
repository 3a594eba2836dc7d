package stress

import "testing"

func TestLiveAcrossMergesSize(t *testing.T) {
	m := LiveAcrossMerges(1000, 10000)
	if n := len(m); n < 250_000 || n > 310_000 {
		t.Errorf("1,000 locals × 10,000 merges is %d bytes, want about 280 KB", n)
	}
	// x=2, locals start 3, 4, 5: merges 0 and 1 take the then arm
	// (locals 1 and 2 add 1), merges 2 and 3 the else arm (locals 3 and 1
	// xor 3): 4^3 + 5 + 5^3.
	if got, want := LiveAcrossMergesResult(3, 4, 2), uint32(7+5+6); got != want {
		t.Errorf("LiveAcrossMergesResult(3, 4, 2) = %d, want %d", got, want)
	}
}
