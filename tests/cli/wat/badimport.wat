;; badimport.wat: imports a call the host does not have, so the process
;; cannot start (exit 1, not a trap).
(module
  (import "rusm" "no_such_call" (func))
  (func (export "_start")))
