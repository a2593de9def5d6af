;; Says it is up (one notify), then parks in receive: the idle Wasm process.
(module
  (import "rusm" "notify" (func $notify))
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (call $notify) (drop (call $receive (i32.const 0) (i32.const 16)))))
