;; ownmem1.wat: an own memory of 2 pages, no max, a small data image, for
;; test_back_cov.c's pool-reuse and memory-cap cases.
(module
  (memory 2)
  (data (i32.const 0) "img")
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
