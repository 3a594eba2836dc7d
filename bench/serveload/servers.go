package serveload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a server process under test.
type Server struct {
	Name        string
	Addr        string
	MetricsAddr string // moat serve only
	cmd         *exec.Cmd
	log         *lockedBuffer
	exited      chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// BuildMoat builds the moat command of the repository at root into dir.
func BuildMoat(root, dir string) (string, error) {
	bin := filepath.Join(dir, "moat")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/moat")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/moat: %v\n%s", err, out)
	}
	return bin, nil
}

// Route is a route of moat serve's configuration.
type Route struct {
	Path          string
	Module        string
	Timeout       string // e.g. "200ms"
	MaxMemory     string // e.g. "16MiB"
	MaxConcurrent int
}

// StartMoat runs `moat serve` with routes (and extra flags) and waits until
// it serves. The access log goes to /dev/null, as the server still writes
// every record.
func StartMoat(bin, engine string, routes []Route, dir string, extra ...string) (*Server, error) {
	var rs []map[string]any
	for _, r := range routes {
		rs = append(rs, map[string]any{
			"path": r.Path, "module": r.Module, "timeout": r.Timeout, "max_memory": r.MaxMemory,
			"max_concurrent": r.MaxConcurrent, "queue_timeout": "30s",
		})
	}
	b, _ := json.Marshal(map[string]any{"routes": rs})
	cfgPath := filepath.Join(dir, "moat.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		return nil, err
	}
	s := &Server{Name: "moat serve", log: &lockedBuffer{}, exited: make(chan error, 1)}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--engine", engine, "--store", filepath.Join(dir, "store"), "--config", cfgPath}, extra...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = gcTraceEnv()
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Minute) // compiling a large module on a busy machine
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(s.log.String(), "\n") {
			var rec struct{ Msg, Addr, Metrics_addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving" {
				s.Addr, s.MetricsAddr = rec.Addr, rec.Metrics_addr
				return s, nil
			}
		}
		select {
		case err := <-s.exited:
			return nil, fmt.Errorf("moat serve exited: %v\n%s", err, s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.Stop()
	return nil, errors.New("moat serve did not start")
}

// StartNative runs this program again as the native server (see
// NativeMain) and waits for its address.
func StartNative() (*Server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	s := &Server{Name: "native net/http", log: &lockedBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(self, NativeArg)
	s.cmd.Env = gcTraceEnv()
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.exited <- s.cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("native server: %v\n%s", err, s.log.String())
	}
	s.Addr = strings.TrimSpace(line)
	return s, nil
}

// NativeArg, as the only argument, makes a program that calls NativeMain
// the native server.
const NativeArg = "native-server"

// NativeMain serves the native handler on a loopback port and prints the
// address: the same work as the C guest's hello mode, in net/http.
func NativeMain() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello from C: %s\n", r.URL.RawQuery)
	}))
}

// Stop ends the server (SIGTERM, then a kill) and waits for it.
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// Log is what the server wrote on stderr.
func (s *Server) Log() string { return s.log.String() }

// Resources is what the server holds, as its metrics and /proc report.
type Resources struct {
	Goroutines, FDs, Maps, Live, Waiting int
	// SandboxMaps counts the mappings a sandbox makes: linear memory
	// reservations (with guard pages, a PROT_NONE region of 4 GiB and
	// more; with explicit checks, SandboxMemory bytes read-write) and
	// native stack guards (PROT_NONE, 64 KiB).
	SandboxMaps int
	RSS         int64
}

// SandboxMemory is the size of the scenarios' linear memory reservations:
// their routes' max_memory, 16 MiB.
const SandboxMemory = 16 << 20

func (r Resources) String() string {
	return fmt.Sprintf("goroutines %d, fds %d, mappings %d (sandboxes' %d), RSS %.1f MiB, sandboxes live %d, waiting %d",
		r.Goroutines, r.FDs, r.Maps, r.SandboxMaps, float64(r.RSS)/(1<<20), r.Live, r.Waiting)
}

// sandboxMaps counts the lines of a maps file that look like a sandbox's.
func sandboxMaps(maps string) int {
	n := 0
	for _, line := range strings.Split(maps, "\n") {
		f := strings.Fields(line)
		if len(f) != 5 { // anonymous: address, perms, offset, device, inode
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		switch size := b - a; {
		case size == SandboxMemory && f[1] == "rw-p", size >= 4<<30 && f[1] == "---p", size == 64<<10 && f[1] == "---p":
			n++
		}
	}
	return n
}

// Resources reads moat serve's metrics and its /proc/PID/maps.
func (s *Server) Resources() (Resources, error) {
	m, err := s.metrics()
	if err != nil {
		return Resources{}, err
	}
	r := Resources{
		Goroutines: int(m["go_goroutines"]),
		FDs:        int(m["process_open_fds"]),
		RSS:        int64(m["process_resident_memory_bytes"]),
		Live:       int(m[`moat_sandboxes_live{route="/"}`]),
		Waiting:    int(m[`moat_sandboxes_waiting{route="/"}`]),
	}
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", s.cmd.Process.Pid))
	if err != nil {
		return r, err
	}
	r.Maps = bytes.Count(maps, []byte("\n"))
	r.SandboxMaps = sandboxMaps(string(maps))
	return r, nil
}

// MapsText is the server's /proc/PID/maps, for a closer look at mappings.
func (s *Server) MapsText() string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", s.cmd.Process.Pid))
	return string(b)
}

// metrics scrapes /metrics into series name (with labels) to value.
func (s *Server) metrics() (map[string]float64, error) {
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Get("http://" + s.MetricsAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, nil
}

// GoMemory is the Go runtime's memory figures from moat serve's metrics,
// for reports: heap in use, idle, released to the OS, stacks, and all the
// runtime holds from the OS.
func (s *Server) GoMemory() string {
	m, err := s.metrics()
	if err != nil {
		return err.Error()
	}
	mib := func(k string) float64 { return m[k] / (1 << 20) }
	return fmt.Sprintf("heap in use %.1f MiB, idle %.1f MiB (released %.1f), stacks %.1f MiB, runtime total %.1f MiB",
		mib("go_memstats_heap_inuse_bytes"), mib("go_memstats_heap_idle_bytes"), mib("go_memstats_heap_released_bytes"),
		mib("go_memstats_stack_inuse_bytes"), mib("go_memstats_sys_bytes"))
}

// Counter is one series of moat serve's metrics, 0 when absent.
func (s *Server) Counter(series string) float64 {
	m, err := s.metrics()
	if err != nil {
		return 0
	}
	return m[series]
}
