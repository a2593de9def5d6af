;; Under a 3-page cap: growing by 1 twice works, the third grow and a huge
;; one are refused with -1, and the size stays 3. Notifies once if all held.
(module
  (import "rusm" "notify" (func $notify))
  (memory 1)
  (func (export "run")
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 2)) (then unreachable))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
    (if (i32.ne (memory.grow (i32.const 65535)) (i32.const -1)) (then unreachable))
    (if (i32.ne (memory.size) (i32.const 3)) (then unreachable))
    (i32.store (i32.const 196604) (i32.const 7))
    (call $notify)))
