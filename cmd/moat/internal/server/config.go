package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// File is a configuration file: JSON, unknown fields refused.
//
//	{
//	  "plain_http": false,
//	  "routes": [
//	    {
//	      "path": "/hello",
//	      "module": "hello.wasm",
//	      "env": {"GREETING": "hi"},
//	      "dirs": [{"host": "static", "guest": "/static"}],
//	      "timeout": "5s",
//	      "max_memory": "64MiB",
//	      "max_concurrent": 100,
//	      "queue_timeout": "1s",
//	      "max_request_body": "10MiB",
//	      "fuel": 100000000,
//	      "keep_resident": "2MiB"
//	    },
//	    {"path": "/", "module": "oci://registry.example/app@sha256:..."}
//	  ]
//	}
//
// Relative paths (modules, host directories) are relative to the file's
// directory. Limits a route leaves out take the command line's values.
type File struct {
	// PlainHTTP reaches the registries of oci:// modules over HTTP.
	PlainHTTP bool          `json:"plain_http"`
	Routes    []RouteConfig `json:"routes"`
}

// RouteConfig is one route: a path prefix and the module that serves it.
type RouteConfig struct {
	// Path is the prefix served, on segment boundaries: "/app" serves
	// /app and /app/..., not /apple. "/" serves every path no other route
	// does.
	Path string `json:"path"`
	// Module is a module file (.wasm or .wat), or oci://REGISTRY/REPO@sha256:...
	Module string            `json:"module"`
	Env    map[string]string `json:"env,omitempty"`
	// Dirs are granted read-only.
	Dirs []DirConfig `json:"dirs,omitempty"`
	Limits
}

// DirConfig grants a host directory to the guest, read-only.
type DirConfig struct {
	Host  string `json:"host"`
	Guest string `json:"guest"`
}

// Limits are a route's limits; zero fields take the defaults.
type Limits struct {
	Timeout        Duration `json:"timeout,omitempty"`
	MaxMemory      Size     `json:"max_memory,omitempty"`
	MaxConcurrent  int      `json:"max_concurrent,omitempty"`
	QueueTimeout   Duration `json:"queue_timeout,omitempty"`
	MaxRequestBody Size     `json:"max_request_body,omitempty"`
	// Fuel is each request's fuel (moat.Store.SetFuel; 0: not metered):
	// a guest that uses it up traps out of fuel.
	Fuel uint64 `json:"fuel,omitempty"`
	// KeepResident is how many bytes of the pages a request's guest wrote
	// its pool slot keeps resident for the route's next request
	// (moat.PoolingConfig.LinearMemoryKeepResident): the rest go back to
	// the kernel, to be faulted in again by the next guest.
	KeepResident Size `json:"keep_resident,omitempty"`
}

// WithDefaults fills l's zero fields from d.
func (l Limits) WithDefaults(d Limits) Limits {
	if l.Timeout == 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxMemory == 0 {
		l.MaxMemory = d.MaxMemory
	}
	if l.MaxConcurrent == 0 {
		l.MaxConcurrent = d.MaxConcurrent
	}
	if l.QueueTimeout == 0 {
		l.QueueTimeout = d.QueueTimeout
	}
	if l.MaxRequestBody == 0 {
		l.MaxRequestBody = d.MaxRequestBody
	}
	if l.Fuel == 0 {
		l.Fuel = d.Fuel
	}
	if l.KeepResident == 0 {
		l.KeepResident = d.KeepResident
	}
	return l
}

// LoadFile reads and checks a configuration file, making its relative
// paths absolute.
func LoadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonError(b, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", path)
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	for i := range f.Routes {
		r := &f.Routes[i]
		if r.Module != "" && !isOCI(r.Module) && !filepath.IsAbs(r.Module) {
			r.Module = filepath.Join(base, r.Module)
		}
		for j := range r.Dirs {
			if d := &r.Dirs[j]; d.Host != "" && !filepath.IsAbs(d.Host) {
				d.Host = filepath.Join(base, d.Host)
			}
		}
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// jsonError locates a decoding error at its line and column.
func jsonError(src []byte, err error) string {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(src)) {
		return err.Error()
	}
	line := 1 + bytes.Count(src[:offset], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(src[:offset], '\n')
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

// check refuses what cannot be served.
func (f *File) check() error {
	if len(f.Routes) == 0 {
		return errors.New("no routes")
	}
	seen := map[string]bool{}
	for i, r := range f.Routes {
		where := fmt.Sprintf("route %d (%s)", i+1, r.Path)
		switch {
		case !strings.HasPrefix(r.Path, "/"):
			return fmt.Errorf("%s: path %q does not start with /", where, r.Path)
		case r.Path != "/" && strings.HasSuffix(r.Path, "/"):
			return fmt.Errorf("%s: path %q ends with / (a route serves everything below its path)", where, r.Path)
		case strings.ContainsAny(r.Path, "?#") || strings.Contains(r.Path, "//"):
			return fmt.Errorf("%s: path %q is not a plain path", where, r.Path)
		case isReserved(r.Path):
			return fmt.Errorf("%s: %s is the server's own", where, r.Path)
		case seen[r.Path]:
			return fmt.Errorf("%s: path %q appears twice", where, r.Path)
		case r.Module == "":
			return fmt.Errorf("%s: no module", where)
		}
		seen[r.Path] = true
		for name := range r.Env {
			if name == "" || strings.ContainsAny(name, "=\x00") {
				return fmt.Errorf("%s: invalid environment variable name %q", where, name)
			}
		}
		for _, d := range r.Dirs {
			if d.Host == "" || !strings.HasPrefix(d.Guest, "/") {
				return fmt.Errorf("%s: a directory needs a host path and an absolute guest path (got %q, %q)", where, d.Host, d.Guest)
			}
		}
		if err := r.Limits.check(); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	return nil
}

func (l Limits) check() error {
	switch {
	case l.Timeout < 0 || l.QueueTimeout < 0:
		return errors.New("negative timeout")
	case l.MaxConcurrent < 0:
		return errors.New("negative max_concurrent")
	case l.MaxMemory < 0 || l.MaxRequestBody < 0 || l.KeepResident < 0:
		return errors.New("negative size")
	case l.MaxMemory > 0 && l.MaxMemory < wasmPage:
		return fmt.Errorf("max_memory of %d bytes is less than one 64 KiB page", l.MaxMemory)
	case l.MaxMemory > 4<<30:
		return fmt.Errorf("max_memory of %d bytes is over 4 GiB", l.MaxMemory)
	}
	return nil
}

// reservedPaths are answered by the server itself.
var reservedPaths = []string{"/healthz", "/readyz"}

func isReserved(path string) bool {
	for _, p := range reservedPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// envList is a route's environment as "NAME=VALUE" pairs, sorted.
func (r RouteConfig) envList() []string {
	env := make([]string, 0, len(r.Env))
	for k, v := range r.Env {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

const wasmPage = 64 << 10

// Duration is a time.Duration in JSON: a string Go's time.ParseDuration
// reads ("1.5s", "300ms"), or a number of seconds.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("invalid duration %q (e.g. \"1.5s\", \"300ms\")", s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("invalid duration %s (a string like \"1.5s\" or a number of seconds)", b)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Size is a number of bytes in JSON: a number, or a string with a unit
// ("64MiB", "10MB", "512KiB", "1GiB").
type Size int64

func (s *Size) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("invalid size %s (a number of bytes, or a string like \"64MiB\")", b)
		}
		*s = Size(n)
		return nil
	}
	n, err := ParseSize(str)
	if err != nil {
		return err
	}
	*s = Size(n)
	return nil
}

func (s Size) MarshalJSON() ([]byte, error) { return json.Marshal(int64(s)) }

// sizeUnits are the suffixes ParseSize knows, longest first.
var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// ParseSize reads a size: a number of bytes with an optional unit (KiB,
// MiB, GiB; KB, MB, GB; K, M, G as the binary ones).
func ParseSize(s string) (int64, error) {
	num, factor := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/factor {
		return 0, fmt.Errorf("invalid size %q (e.g. 64MiB, 10MB, 4096)", s)
	}
	return n * factor, nil
}

func isOCI(module string) bool { return strings.HasPrefix(module, "oci://") }
