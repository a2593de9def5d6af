;; stream-pipe-wasm consumer: accepts one stream and reads 4 KiB chunks to the end,
;; calling notify once per chunk (the bench counts bytes from notifications).
(module
  (import "rusm" "stream_accept" (func $accept (result i64)))
  (import "rusm" "stream_read" (func $read (param i64 i32 i32) (result i32)))
  (import "rusm" "notify" (func $notify))
  (memory (export "memory") 1)
  (func (export "run") (local $id i64)
    (local.set $id (call $accept))
    (loop $l (if (i32.ge_s (call $read (local.get $id) (i32.const 4096) (i32.const 4096)) (i32.const 0))
      (then (call $notify) (br $l))))))
