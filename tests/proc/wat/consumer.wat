;; Stream consumer. First message: mode (i32): 0 read to the end, 1 wait for
;; a second message before reading, 2 read one chunk then trap. Accepts one
;; stream, reads chunks into a 4096-byte buffer checking byte k of chunk i
;; is i+k (traps otherwise), and reports to "collector" the chunks read (i32)
;; and the bytes read (i32) once stream_read returns -1 (end of stream).
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "stream_accept" (func $accept (result i64)))
  (import "rusm" "stream_read" (func $read (param i64 i32 i32) (result i32)))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "collector")
  (func (export "run") (local $id i64) (local $mode i32) (local $n i32) (local $got i32)
                       (local $bytes i32) (local $k i32)
    (drop (call $receive (i32.const 0) (i32.const 4)))
    (local.set $mode (i32.load (i32.const 0)))
    (local.set $id (call $accept))
    (if (i32.eq (local.get $mode) (i32.const 1)) (then (drop (call $receive (i32.const 0) (i32.const 4)))))
    (block $eof
      (loop $next
        (local.set $n (call $read (local.get $id) (i32.const 4096) (i32.const 4096)))
        (br_if $eof (i32.lt_s (local.get $n) (i32.const 0)))
        (local.set $k (i32.const 0))
        (loop $check
          (if (i32.ne (i32.load8_u (i32.add (i32.const 4096) (local.get $k)))
                      (i32.and (i32.add (local.get $got) (local.get $k)) (i32.const 255)))
            (then unreachable))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $check (i32.lt_u (local.get $k) (local.get $n))))
        (local.set $got (i32.add (local.get $got) (i32.const 1)))
        (local.set $bytes (i32.add (local.get $bytes) (local.get $n)))
        (if (i32.eq (local.get $mode) (i32.const 2)) (then unreachable))
        (br $next)))
    (i32.store (i32.const 200) (local.get $got))
    (i32.store (i32.const 204) (local.get $bytes))
    (call $send (call $whereis (i32.const 100) (i32.const 9)) (i32.const 200) (i32.const 8))))
