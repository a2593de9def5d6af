;; Calls rusm::notify in an endless loop (the fairness bystander).
(module
  (import "rusm" "notify" (func $notify))
  (func (export "run") (loop $l (call $notify) (br $l))))
