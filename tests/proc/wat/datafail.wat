;; datafail.wat: an active data segment past the end of memory, so
;; instantiation fails before anything runs.
(module
  (memory (export "memory") 1)
  (data (i32.const 70000) "x")
  (func (export "run")))
