package moat

// ThreadCPU lets the external benchmarks report CPU time (see threadCPU).
var ThreadCPU = threadCPU
