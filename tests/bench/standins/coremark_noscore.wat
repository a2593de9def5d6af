;; coremark_noscore.wat: a CoreMark stand-in (not CoreMark) that passes its
;; self-check but prints no score line.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "\40\00\00\00\1d\00\00\00")
  (data (i32.const 64) "Correct operation validated.\0a")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))))
