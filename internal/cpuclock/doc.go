// Package cpuclock reads the calling thread's CPU time.
//
// moat measures work that shares two cores with everything else on the
// machine: a CPU lane's slices, the pauses of the GC heap's collection,
// the compiler's phases and the benchmarks. Wall time counts the time other
// threads and processes held the CPU; the thread's CPU clock does not.
// Where the clock cannot be read (other systems), Thread reports false and
// callers fall back to what they can measure.
package cpuclock
