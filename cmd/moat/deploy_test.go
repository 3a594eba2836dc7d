package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/moat-run/moat/cmd/moat/internal/server"
)

// deployDir holds the container image definition and Kubernetes manifests.
var deployDir = filepath.Join("..", "..", "deploy")

// manifests reads every YAML document of deploy/kubernetes, by kind.
func manifests(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	byKind := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			kind, _ := doc["kind"].(string)
			if kind == "" || doc["apiVersion"] == nil {
				t.Fatalf("%s: a document without apiVersion and kind", f)
			}
			if kind != "Kustomization" && str(doc, "metadata", "name") == "" {
				t.Errorf("%s: %s without metadata.name", f, kind)
			}
			if byKind[kind] != nil {
				t.Fatalf("%s: a second %s", f, kind)
			}
			byKind[kind] = doc
		}
	}
	return byKind
}

// at walks a YAML tree by map keys and list indices.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := at(v, path...).(string); return s }
func num(v any, path ...any) int    { n, _ := at(v, path...).(int); return n }

// TestKubernetesManifests checks the manifests' structure and that their
// parts agree: the Service and HPA find the Deployment, the probes hit
// moat's health endpoints on declared ports, the container's arguments
// are a valid moat serve command line whose --config is the mounted
// ConfigMap, whose routes moat loads.
func TestKubernetesManifests(t *testing.T) {
	m := manifests(t)
	for _, kind := range []string{"Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "Kustomization"} {
		if m[kind] == nil {
			t.Fatalf("no %s", kind)
		}
	}
	dep, svc, hpa, cm := m["Deployment"], m["Service"], m["HorizontalPodAutoscaler"], m["ConfigMap"]
	if dep["apiVersion"] != "apps/v1" || hpa["apiVersion"] != "autoscaling/v2" || svc["apiVersion"] != "v1" {
		t.Errorf("apiVersions: %v %v %v", dep["apiVersion"], hpa["apiVersion"], svc["apiVersion"])
	}

	selector := at(dep, "spec", "selector", "matchLabels").(map[string]any)
	labels := at(dep, "spec", "template", "metadata", "labels").(map[string]any)
	for k, v := range selector {
		if labels[k] != v {
			t.Errorf("the Deployment's selector %s=%v does not match its pod labels", k, v)
		}
		if at(svc, "spec", "selector", k) != v {
			t.Errorf("the Service does not select the Deployment's pods (%s=%v)", k, v)
		}
	}

	pod := at(dep, "spec", "template", "spec")
	c := at(pod, "containers", 0)
	ports := map[string]int{}
	for i := 0; at(c, "ports", i) != nil; i++ {
		ports[str(c, "ports", i, "name")] = num(c, "ports", i, "containerPort")
	}
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if got := str(c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path %q, want %s", probe, got, path)
		}
		if port := str(c, probe, "httpGet", "port"); ports[port] == 0 {
			t.Errorf("%s port %q is not a container port", probe, port)
		}
	}
	for i := 0; at(svc, "spec", "ports", i) != nil; i++ {
		if target := str(svc, "spec", "ports", i, "targetPort"); ports[target] == 0 {
			t.Errorf("Service targetPort %q is not a container port", target)
		}
	}
	if str(c, "resources", "requests", "cpu") == "" {
		t.Error("the container requests no CPU: the HPA's CPU utilization needs it")
	}

	var args []string
	for i := 0; at(c, "args", i) != nil; i++ {
		args = append(args, str(c, "args", i))
	}
	opts, _, err := parseServeArgs(args)
	if err != nil {
		t.Fatalf("container args %q: %v", args, err)
	}
	if _, port, _ := strings.Cut(opts.Addr, ":"); port != "8080" || ports["http"] != 8080 {
		t.Errorf("--addr %s against container port http=%d", opts.Addr, ports["http"])
	}
	if _, port, _ := strings.Cut(opts.MetricsAddr, ":"); port != "9090" || ports["metrics"] != 9090 {
		t.Errorf("--metrics-addr %s against container port metrics=%d", opts.MetricsAddr, ports["metrics"])
	}
	if grace := num(pod, "terminationGracePeriodSeconds"); grace <= int(opts.DrainTimeout.Seconds())+num(c, "lifecycle", "preStop", "sleep", "seconds") {
		t.Errorf("terminationGracePeriodSeconds %d leaves no room for preStop and a %v drain", grace, opts.DrainTimeout)
	}

	// --config is the ConfigMap's moat.json, mounted.
	mounts := map[string]string{}
	for i := 0; at(c, "volumeMounts", i) != nil; i++ {
		mounts[str(c, "volumeMounts", i, "name")] = str(c, "volumeMounts", i, "mountPath")
	}
	configVolume := ""
	for i := 0; at(pod, "volumes", i) != nil; i++ {
		if str(pod, "volumes", i, "configMap", "name") == str(cm, "metadata", "name") {
			configVolume = str(pod, "volumes", i, "name")
		}
	}
	if dir := mounts[configVolume]; dir == "" || filepath.Join(dir, "moat.json") != opts.ConfigFile {
		t.Errorf("--config %s is not the mounted ConfigMap (%q at %q)", opts.ConfigFile, configVolume, dir)
	}
	// The root file system is read-only: what moat serve writes (pulled
	// modules, compiled code) must go to a mounted volume.
	for what, dir := range map[string]string{"--store": opts.StoreDir, "-C cache-dir": opts.EngineConfig.CacheDir} {
		if !underAny(dir, mountPaths(mounts)) {
			t.Errorf("%s %q is not on a mounted volume", what, dir)
		}
	}
	routes := filepath.Join(t.TempDir(), "moat.json")
	if err := os.WriteFile(routes, []byte(str(cm, "data", "moat.json")), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := server.LoadFile(routes)
	if err != nil {
		t.Fatalf("the ConfigMap's moat.json: %v", err)
	}
	for _, r := range f.Routes {
		if strings.HasPrefix(r.Module, "oci://") && !strings.Contains(r.Module, "@sha256:") {
			t.Errorf("route %s: module %s is not pinned by digest", r.Path, r.Module)
		}
	}

	if str(hpa, "spec", "scaleTargetRef", "kind") != "Deployment" || str(hpa, "spec", "scaleTargetRef", "name") != str(dep, "metadata", "name") {
		t.Error("the HPA does not scale the Deployment")
	}
	if str(hpa, "spec", "metrics", 0, "resource", "name") != "cpu" || num(hpa, "spec", "minReplicas") < 1 ||
		num(hpa, "spec", "minReplicas") > num(hpa, "spec", "maxReplicas") {
		t.Errorf("HPA: %v", at(hpa, "spec"))
	}

	listed := map[string]bool{}
	for i := 0; at(m["Kustomization"], "resources", i) != nil; i++ {
		listed[str(m["Kustomization"], "resources", i)] = true
	}
	files, _ := filepath.Glob(filepath.Join(deployDir, "kubernetes", "*.yaml"))
	for _, f := range files {
		if name := filepath.Base(f); name != "kustomization.yaml" && !listed[name] {
			t.Errorf("kustomization.yaml does not list %s", name)
		}
	}
}

// underAny reports whether path is one of dirs or below one of them.
func underAny(path string, dirs []string) bool {
	for _, d := range dirs {
		if rel, err := filepath.Rel(d, path); path != "" && err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return true
		}
	}
	return false
}

func mountPaths(m map[string]string) []string {
	var out []string
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

// dockerfile is deploy/Dockerfile's instructions, continuation lines
// joined, comments dropped.
func dockerfile(t *testing.T) [][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line = cur + line
		cur = ""
		op, rest, _ := strings.Cut(line, " ")
		out = append(out, [2]string{strings.ToUpper(op), strings.TrimSpace(rest)})
	}
	return out
}

// TestDockerfile checks the image definition: a distroless or scratch
// final stage that copies the binary the build stage makes, as a non-root
// user, exposing the ports its default command serves on, with a default
// command moat serve accepts.
func TestDockerfile(t *testing.T) {
	var build, from, copyFrom, entry, cmd, expose string
	for _, in := range dockerfile(t) {
		switch in[0] {
		case "FROM":
			from = in[1]
		case "RUN":
			if strings.Contains(in[1], "go build") {
				build = in[1]
			}
		case "COPY":
			if strings.HasPrefix(in[1], "--from=") {
				copyFrom = in[1]
			}
		case "ENTRYPOINT":
			entry = in[1]
		case "CMD":
			cmd = in[1]
		case "EXPOSE":
			expose = in[1]
		}
	}
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("final stage FROM %s: want distroless static or scratch", from)
	}
	out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(build)
	if !strings.Contains(build, "CGO_ENABLED=0") || out == nil {
		t.Fatalf("build line %q: want CGO_ENABLED=0 and -o", build)
	}
	fields := strings.Fields(copyFrom)
	if len(fields) != 3 || fields[1] != out[1] {
		t.Fatalf("COPY %q does not take the built %s", copyFrom, out[1])
	}
	var entryArgs, cmdArgs []string
	if err := yaml.Unmarshal([]byte(entry), &entryArgs); err != nil || len(entryArgs) != 2 || entryArgs[0] != fields[2] || entryArgs[1] != "serve" {
		t.Errorf("ENTRYPOINT %s: want [%q, \"serve\"] (%v)", entry, fields[2], err)
	}
	if err := yaml.Unmarshal([]byte(cmd), &cmdArgs); err != nil {
		t.Fatalf("CMD %s: %v", cmd, err)
	}
	opts, _, err := parseServeArgs(cmdArgs)
	if err != nil {
		t.Fatalf("CMD %q: %v", cmdArgs, err)
	}
	for _, addr := range []string{opts.Addr, opts.MetricsAddr} {
		if _, port, _ := strings.Cut(addr, ":"); !slices.Contains(strings.Fields(expose), port) {
			t.Errorf("CMD serves on %s, EXPOSE %s", addr, expose)
		}
	}
}

// TestDockerfileBuild runs the Dockerfile's go build line as it is (its
// output path moved to a temporary directory) and checks that it makes a
// static binary: no interpreter, no shared libraries, as a distroless or
// scratch image needs.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds moat")
	}
	var build string
	for _, in := range dockerfile(t) {
		if in[0] == "RUN" && strings.Contains(in[1], "go build") {
			build = in[1]
		}
	}
	out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(build)
	if out == nil {
		t.Fatalf("no go build -o line in the Dockerfile")
	}
	bin := filepath.Join(t.TempDir(), "moat")
	line := strings.Replace(build, "-o "+out[1], "-o "+bin, 1)
	sh := exec.Command("/bin/sh", "-c", line)
	sh.Dir = filepath.Join("..", "..")
	sh.Env = append(os.Environ(), "TARGETOS=linux", "TARGETARCH="+goarch())
	if msg, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, msg)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has an ELF interpreter: it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %q", libs)
	}
	if v, err := exec.Command(bin, "--version").Output(); err != nil || !strings.HasPrefix(string(v), "moat ") {
		t.Errorf("the built moat --version: %q, %v", v, err)
	}
}

func goarch() string { return runtime.GOARCH }
