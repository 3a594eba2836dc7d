// Package oci moves WebAssembly modules to and from OCI registries, as OCI
// artifacts in the layout the CNCF Wasm working group defines: an image
// manifest whose config has media type application/vnd.wasm.config.v0+json
// and whose layer is the module, application/wasm. A compiled moat
// artifact (signed or not) can travel beside it as a second layer,
// application/vnd.moat.artifact.v1; it is moved, stored and verified by
// digest like the module, never interpreted here.
//
// Pulled content is kept in a local content-addressed Store (blobs named by
// their sha256 digest, each checked again when read), so a node that has
// pulled a module once can start without the registry. Every byte taken
// from a registry is verified against the digest that names it: the
// manifest against the reference's digest, the layers against the
// manifest. A module served by `moat serve` must be pinned by digest.
//
// The compiled form of a module is not kept here: moat serve compiles the
// module bytes it gets from the Store through the engine's compilation
// cache (moat.Config.CacheDir), or loads the artifact that came with them
// when it is allowed to and was compiled from that module
// (cmd/moat/internal/server, modules.go and precompiled.go).
//
// The package belongs to the moat command: it uses oras-go, which the
// library packages may not depend on.
package oci
