;; trap.wat: _start reaches unreachable, so `rusm run` exits 134.
(module
  (memory (export "memory") 1)
  (func $boom (export "_start") unreachable))
