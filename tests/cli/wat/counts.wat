;; counts.wat: exits with argc*16 + environ count, so the CLI's argv and
;; --env handling show in the exit status. "alt" exits 42 (for --invoke).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $envs (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $args (i32.const 0) (i32.const 4)))
    (drop (call $envs (i32.const 8) (i32.const 12)))
    (call $exit (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 16))
                         (i32.load (i32.const 8)))))
  (func (export "alt") (call $exit (i32.const 42)))
  (func (export "badtype") (param i32)))
