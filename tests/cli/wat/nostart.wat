;; nostart.wat: a valid module with no _start export.
(module (func (export "run")))
