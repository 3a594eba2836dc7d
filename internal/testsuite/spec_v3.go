package testsuite

import (
	"path/filepath"
	"testing"
)

// SpecV3EnvVar names the environment variable that overrides the location
// of the WebAssembly 3.0 suite's .wast scripts.
const SpecV3EnvVar = "MOAT_SPECTEST_V3"

// defaultSpecV3 is the 3.0 suite's location relative to the repository root.
var defaultSpecV3 = filepath.Join("..", "shared", "spectest", "v3", "wast")

// SpecV3Dir returns the folder of the WebAssembly 3.0 spec suite's .wast
// scripts: $MOAT_SPECTEST_V3, or ../shared/spectest/v3/wast beside the
// repository root.
func SpecV3Dir() (string, error) {
	return locate(SpecV3EnvVar, defaultSpecV3, "the 3.0 suite's wast folder")
}

// SpecV3 returns SpecV3Dir's folder, or skips tb with its error when the
// suite is absent.
func SpecV3(tb testing.TB) string {
	tb.Helper()
	dir, err := SpecV3Dir()
	if err != nil {
		tb.Skip(err)
	}
	return dir
}
