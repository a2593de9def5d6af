;; linkenv.wat: imports from a module the host does not provide.
(module
  (import "env" "x" (func))
  (func (export "run")))
