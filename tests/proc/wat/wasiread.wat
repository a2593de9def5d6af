;; wasiread.wat: reads stdin (WASI fd_read) into a 16-byte buffer; with
;; nothing there yet the process parks on the fd. Traps unless it got
;; exactly "ping".
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 16))
    (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 4)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 64)) (i32.const 0x676e6970)) (then unreachable))))
