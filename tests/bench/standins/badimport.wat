;; badimport.wat: a stand-in kernel importing something that is not WASI.
(module
  (import "env" "f" (func))
  (func (export "_start")))
