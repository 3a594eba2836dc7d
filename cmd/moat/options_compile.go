package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// The -C options of `moat run` (compilation and its cache), in wasmtime's
// spelling (-C cache=n), kept in a table like -W's (options.go).

// compileOptions are the keys of -C.
var compileOptions = []runOption{
	{"cache", "y|n", "reuse compiled code from the cache directory and store it there (default y)",
		func(o *runOptions, v string) error {
			on, err := parseBool(v)
			o.noCache = !on
			return err
		}},
	{"cache-dir", "DIR", "the cache directory (default: moat in the user's cache directory, e.g. ~/.cache/moat); created private",
		func(o *runOptions, v string) error {
			if v == "" {
				return fmt.Errorf("needs a directory")
			}
			o.cacheDir = v
			return nil
		}},
	{"cache-size", "BYTES", "cap on the cache's size, least recently used entries evicted past it (default 1G; e.g. 512M)",
		func(o *runOptions, v string) error {
			n, err := parseSize(v)
			if err == nil && (n == 0 || n > 1<<62) {
				err = fmt.Errorf("%q is not a positive size", v)
			}
			o.cacheMax = int64(n)
			return err
		}},
}

// defaultCacheDir is moat's directory in the user's cache directory, or ""
// when there is none (no HOME).
func defaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "moat")
}
