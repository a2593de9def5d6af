;; host.wat: calls into host imports (plain, trapping, suspending).
(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (import "env" "fail" (func $fail))
  (memory (export "mem") 1)
  (data (i32.const 8) "rusm")
  (func (export "run") (param i32) (result i32)
    (i32.add (call $twice (local.get 0)) (i32.const 1)))
  (func (export "sum_twice") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (call $twice (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func (export "fail") (call $fail)))
