;; bigimage.wat: a data image just over the copy-on-write threshold
;; (INST_COW_MIN, 256 KiB) while the module itself stays tiny.
(module
  (memory 5)
  (data (i32.const 262144) "Q")
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
