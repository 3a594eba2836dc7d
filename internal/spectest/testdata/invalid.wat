;; Built with: wat2wasm --no-check invalid.wat -o invalid.wasm (a function missing its result).
(module (func (result i32)))
