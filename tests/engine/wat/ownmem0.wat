;; ownmem0.wat: an own memory of 0 pages and no max, for test_back_cov.c's
;; pool-reuse cases (a slot whose memory grew far past its start).
(module
  (memory 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
