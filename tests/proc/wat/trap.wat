;; Traps in a named function, optionally after a first message arrives.
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $boom unreachable)
  (func (export "run") (call $boom))
  (func (export "run_after_message") (drop (call $receive (i32.const 0) (i32.const 16))) (call $boom)))
