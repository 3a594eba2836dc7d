package serve_test

import (
	"flag"
	"testing"

	"github.com/moat-run/moat/internal/fixture"
)

// update rebuilds the committed guest binaries from their sources (go
// generate runs the tests with it).
var update = flag.Bool("update", false, "rebuild testdata/cgi/cgi.wasm and testdata/gocgi/gocgi.wasm")

var (
	cGuest  = fixture.C{Source: "testdata/cgi/cgi.c", Binary: "testdata/cgi/cgi.wasm", Toolchain: "testdata/cgi/cgi.toolchain"}
	goGuest = fixture.Go{Package: "./testdata/gocgi", Binary: "testdata/gocgi/gocgi.wasm"}
)

func TestCFixturesUpToDate(t *testing.T)  { cGuest.Check(t, *update) }
func TestGoFixturesUpToDate(t *testing.T) { goGuest.Check(t, *update) }
