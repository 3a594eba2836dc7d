;; wat2wasm app.wat -o app.wasm
;; Imports the library's function and global.
(module
  (import "lib" "inc" (func $inc (result i32)))
  (import "lib" "count" (global $count (mut i32)))
  (func (export "inc_twice") (result i32)
    (drop (call $inc))
    (drop (call $inc))
    (global.get $count)))
