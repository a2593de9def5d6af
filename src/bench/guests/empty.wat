;; The module-storm guest: one page, an empty run.
(module (memory 1) (func (export "run")))
