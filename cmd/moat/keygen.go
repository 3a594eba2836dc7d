package main

import (
	"fmt"
	"io"

	"github.com/moat-run/moat/internal/artifact"
)

const keygenUsage = `Usage: moat keygen KEYFILE

Makes an Ed25519 key pair for signing artifacts: the private key goes to
KEYFILE (PKCS#8 PEM, mode 0600), the public key to KEYFILE.pub (PKIX PEM).
Existing files are never overwritten. OpenSSL makes the same files:

  openssl genpkey -algorithm ed25519 -out KEYFILE
  openssl pkey -in KEYFILE -pubout -out KEYFILE.pub

Sign with 'moat compile --sign KEYFILE'; run only artifacts signed by it
with 'moat run --allow-precompiled --trust-key KEYFILE.pub' (or
moat.Config.TrustedKeys in Go).
`

func keygenCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && isHelpFlag(args[0]) {
		fmt.Fprint(stdout, keygenUsage)
		return exitOK
	}
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return usageError(stderr, "keygen", "unknown flag %s", a)
		}
	}
	if len(args) != 1 || args[0] == "" || args[0] == "-" {
		return usageError(stderr, "keygen", "expected exactly one KEYFILE")
	}
	pub, err := writeKeyPair(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "moat keygen: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "wrote %s and %s.pub (key %s)\n", args[0], args[0], artifact.IDOf(pub))
	return exitOK
}
