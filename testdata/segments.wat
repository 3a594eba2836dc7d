;; wat2wasm segments.wat -o segments.wasm
;; The first data segment fits the imported memory, the second does not: the
;; first stays written and instantiation traps.
(module
  (import "host" "mem" (memory 1))
  (data (i32.const 0) "ok")
  (data (i32.const 65535) "no"))
