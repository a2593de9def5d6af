;; Stream producer. First message: consumer pid (i64) then a chunk count N
;; (i32). Opens a stream to the consumer and writes N chunks of 4096 bytes
;; (byte k of chunk i is i+k), calling notify after each accepted write.
;; Then closes and reports to "collector": chunks written (i32) and the
;; result of the last write (i32: 0 ok, -1 reader gone).
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "stream_open" (func $open (param i64) (result i64)))
  (import "rusm" "stream_write" (func $write (param i64 i32 i32) (result i32)))
  (import "rusm" "stream_close" (func $close (param i64)))
  (import "rusm" "notify" (func $notify))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "collector")
  (func (export "run") (local $id i64) (local $n i32) (local $i i32) (local $k i32) (local $r i32)
    (drop (call $receive (i32.const 0) (i32.const 12)))
    (local.set $n (i32.load (i32.const 8)))
    (local.set $id (call $open (i64.load (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.const 0))
        (loop $fill
          (i32.store8 (i32.add (i32.const 4096) (local.get $k)) (i32.add (local.get $i) (local.get $k)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $k) (i32.const 4096))))
        (local.set $r (call $write (local.get $id) (i32.const 4096) (i32.const 4096)))
        (br_if $done (i32.ne (local.get $r) (i32.const 0)))
        (call $notify)
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $close (local.get $id))
    (i32.store (i32.const 200) (local.get $i))
    (i32.store (i32.const 204) (local.get $r))
    (call $send (call $whereis (i32.const 100) (i32.const 9)) (i32.const 200) (i32.const 8))))
