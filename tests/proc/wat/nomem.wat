;; Has a memory but does not export it as `memory`: pointer-taking calls trap.
(module
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (memory 1)
  (func (export "run") (call $send (i64.const 0) (i32.const 0) (i32.const 4))))
