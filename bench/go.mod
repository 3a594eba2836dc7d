module github.com/moat-run/moat/bench

go 1.26.0

require (
	github.com/bytecodealliance/wasmtime-go/v39 v39.0.1
	github.com/moat-run/moat v0.0.0
	github.com/tetratelabs/wazero v1.12.0
)

require golang.org/x/sys v0.49.0

require golang.org/x/exp v0.0.0-20261120182113-8801fbdfac81

replace github.com/moat-run/moat => ../
