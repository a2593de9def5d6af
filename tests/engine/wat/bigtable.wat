;; bigtable.wat: a table whose minimum (20M elements) is valid Wasm but over
;; the engine's bound on table sizes, so instantiation must fail cleanly.
(module
  (table 20000000 funcref)
  (func (export "f")))
