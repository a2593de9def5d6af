;; Labels itself "my-label", then parks in receive.
(module
  (import "rusm" "set_label" (func $set_label (param i32 i32)))
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "my-label")
  (func (export "run") (call $set_label (i32.const 0) (i32.const 8))
    (drop (call $receive (i32.const 16) (i32.const 16)))))
