;; lib.wat: exports a memory, a global, a table and a function to share.
(module
  (memory (export "mem") 1)
  (global (export "counter") (mut i32) (i32.const 0))
  (table (export "tab") 3 funcref)
  (func $bump (export "bump") (result i32)
    (global.set 0 (i32.add (global.get 0) (i32.const 1)))
    (i32.store (i32.const 0) (global.get 0))
    (global.get 0))
  (elem (i32.const 0) $bump))
