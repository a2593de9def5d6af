;; create.wat: creates "out.txt" in the first preopen (fd 3) and writes
;; "made\n" to it. Exits 0, or 100 + the WASI errno of the failing call.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "out.txt")
  (data (i32.const 48) "made\n")
  (func (export "_start") (local $e i32)
    ;; O_CREAT|O_TRUNC (1|8), rights: fd_write (1<<6)
    (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 7)
                              (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 0)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
    (i32.store (i32.const 8) (i32.const 48))
    (i32.store (i32.const 12) (i32.const 5))
    (local.set $e (call $fd_write (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 16)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))))
