package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/engine"
)

// inspectArtifact prints a verified artifact's header, and whether this
// build's compiler, configured by the -O options in cfg, could load it.
func inspectArtifact(stdout, stderr io.Writer, path string, cfg moat.Config) int {
	f, err := artifact.Open(path, artifact.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "moat inspect: %s: %v\n", path, err)
		return exitFailure
	}
	defer f.Close()
	h := f.Header
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: moat artifact, format %d, %d bytes, %v digest ok\n", path, h.Version, f.Size(), h.DigestKind)
	fmt.Fprintf(tw, "  moat build\t%s\n", h.Build)
	fmt.Fprintf(tw, "  architecture\t%s\n", h.Target.Arch)
	cpu := strings.Join(h.Target.CPU, ",")
	if cpu == "" {
		cpu = "baseline"
	}
	fmt.Fprintf(tw, "  cpu features\t%s\n", cpu)
	for _, s := range h.Target.Settings {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Key, s.Value)
	}
	fmt.Fprintf(tw, "  module sha256\t%x\n", h.ModuleHash)
	if k := f.Signer(); k != nil {
		fmt.Fprintf(tw, "  signed by\tkey %s\n", artifact.IDOf(k))
	} else {
		fmt.Fprintf(tw, "  signed by\tnobody\n")
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nsections (%d):\n", len(h.Sections))
	tw = tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  kind\toffset\tsize\n")
	for _, s := range h.Sections {
		fmt.Fprintf(tw, "  %s\t0x%x\t%d\n", s.Kind, s.Offset, s.Size)
	}
	tw.Flush()
	verdict := "yes"
	if c, err := compiler.New(compiler.Config{Memory: compilerMemory(cfg)}); err != nil {
		verdict = "no: " + err.Error()
	} else if err := h.Check(artifact.BuildID(), c.(engine.ArtifactEngine).Target()); err != nil {
		verdict = "no: " + err.Error()
	}
	fmt.Fprintf(stdout, "\nloads in this moat: %s\n", verdict)
	return exitOK
}
