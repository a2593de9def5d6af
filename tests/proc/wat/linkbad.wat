;; linkbad.wat: a `rusm` import of the wrong type (own_pid takes nothing).
(module
  (import "rusm" "own_pid" (func (param i32) (result i64)))
  (func (export "run")))
