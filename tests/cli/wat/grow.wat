;; grow.wat: grows memory by 4 pages and exits with memory.grow's result
;; (1 on success; -1, so 255, when --max-memory denies it).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.and (memory.grow (i32.const 4)) (i32.const 255)))))
