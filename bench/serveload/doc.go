// Package serveload measures `moat serve` under load, on loopback: a load
// generator of our own (keep-alive HTTP/1.1 connections, each checking
// every response byte for byte against the token its request carried),
// servers started as separate processes (moat serve, and a native Go
// net/http handler doing the same work for comparison), and three
// scenarios:
//
//   - Throughput: requests per second and p50/p99 latency of the C and Go
//     CGI guests through moat serve against the native handler, same load
//     generator, same connections, alternating rounds.
//   - Soak: thousands of concurrent connections, then a million requests;
//     afterwards the server must hold no more goroutines, file
//     descriptors, memory mappings or sandboxes than before, and its RSS
//     must come back within 10% of its level before the run.
//   - Hostile: the same well-behaved load alone, then beside a stream of
//     hostile requests (endless loops, traps, memory exhaustion) at 1%
//     each of its rate; the well-behaved p99 is compared.
//
// cmd/serveload runs them and prints the tables in the README. Every
// scenario is bounded in requests and in time.
package serveload
