;; Sends its own pid (8 bytes, little-endian) to the process named "collector".
(module
  (import "rusm" "own_pid" (func $own_pid (result i64)))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "collector")
  (func (export "run")
    (i64.store (i32.const 0) (call $own_pid))
    (call $send (call $whereis (i32.const 16) (i32.const 9)) (i32.const 0) (i32.const 8))))
