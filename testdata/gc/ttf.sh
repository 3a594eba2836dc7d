#!/bin/sh
# ttf.sh N: adds N GC modules made by binaryen's translate-to-fuzz (from
# random bytes) to FuzzExecuteV3's seed corpus. It needs binaryen 116 or
# later (the final GC encoding), e.g. npm's: npm install binaryen, then
# WASM_OPT="node node_modules/binaryen/bin/wasm-opt" sh testdata/gc/ttf.sh 40
# Run from the repository root.
set -e
n=${1:-20}
opt=${WASM_OPT:-wasm-opt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	head -c $((2000 + i % 7 * 1500)) /dev/urandom > "$tmp/seed"
	$opt -ttf --enable-gc --enable-reference-types --enable-bulk-memory --enable-multivalue \
		--enable-sign-ext --enable-nontrapping-float-to-int --enable-tail-call \
		"$tmp/seed" -o "$tmp/$(date +%s%N).wasm" 2>/dev/null
done
go run ./testdata/gc/ttfcorpus testdata/fuzz/FuzzExecuteV3 "$tmp"/*.wasm
