;; growimage.wat: a copy-on-write data image (over INST_COW_MIN) in a memory
;; that can grow, for test_engine_faults.c: a grown memory leaves its image
;; mapping, and the pool must rebuild it when the slot is reused.
(module
  (memory 5 10)
  (data (i32.const 262144) "Q")
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
