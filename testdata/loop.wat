;; wat2wasm loop.wat -o loop.wasm
(module
  (func (export "spin") (loop (br 0))))
