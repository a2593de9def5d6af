;; Adds 2 and 3 through a call and notifies once if the sum is right.
(module
  (import "rusm" "notify" (func $notify))
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "run")
    (if (i32.ne (call $add (i32.const 2) (i32.const 3)) (i32.const 5)) (then unreachable))
    (call $notify)))
