package interp

import (
	"reflect"
	"testing"
)

// TestFrameHoldsNoPointers: a frame is plain numbers, so the collector
// allocates the frame stack as memory it never scans (frame's comment).
func TestFrameHoldsNoPointers(t *testing.T) {
	ty := reflect.TypeFor[frame]()
	for i := range ty.NumField() {
		switch f := ty.Field(i); f.Type.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int32, reflect.Uint32:
		default:
			t.Errorf("frame.%s is a %v", f.Name, f.Type)
		}
	}
}
