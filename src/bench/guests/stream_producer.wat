;; stream-pipe-wasm producer: first message = consumer pid; opens a stream to it and
;; writes 4 KiB chunks until the reader is gone.
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "stream_open" (func $open (param i64) (result i64)))
  (import "rusm" "stream_write" (func $write (param i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (local $id i64)
    (drop (call $receive (i32.const 0) (i32.const 8)))
    (local.set $id (call $open (i64.load (i32.const 0))))
    (loop $l (br_if $l (i32.eqz (call $write (local.get $id) (i32.const 4096) (i32.const 4096)))))))
