;; nostart.wat: a stand-in kernel with no _start export.
(module
  (memory 1)
  (func (export "main")))
