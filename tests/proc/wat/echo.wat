;; Waits for one message and sends it back to "collector"; a message longer
;; than 32 bytes is cut to 32 (the rest is lost) but its full length is sent
;; first as 4 bytes.
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "collector")
  (func (export "run") (local $n i32) (local $to i64)
    (local.set $n (call $receive (i32.const 100) (i32.const 32)))
    (i32.store (i32.const 96) (local.get $n))
    (local.set $to (call $whereis (i32.const 200) (i32.const 9)))
    (call $send (local.get $to) (i32.const 96) (i32.const 4))
    (call $send (local.get $to) (i32.const 100)
      (select (local.get $n) (i32.const 32) (i32.lt_u (local.get $n) (i32.const 32))))))
