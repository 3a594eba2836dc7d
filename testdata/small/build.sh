#!/bin/sh
# Rebuilds add.wasm and hello.wasm from their sources (go generate in the
# repository root). Needs clang, lld and wasi-libc (Debian: clang lld
# wasi-libc); the tests only read the committed binaries.
set -e
cd "$(dirname "$0")"
clang --target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -Wl,--strip-all \
	-Wl,--initial-memory=65536 -Wl,--max-memory=65536 -Wl,-z,stack-size=4096 add.c -o add.wasm
clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-all hello.c -o hello.wasm
