;; Asks the host to read far outside its memory: the process must crash, the host must not.
(module
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (memory (export "memory") 1)
  (func (export "run") (call $send (i64.const 0) (i32.const 65530) (i32.const 100))))
