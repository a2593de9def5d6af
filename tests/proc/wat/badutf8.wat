(module
  (import "rusm" "register" (func $register (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\ff\fe")
  (func (export "run") (drop (call $register (i32.const 0) (i32.const 2)))))
