;; spin.wat: loops for `rusm wast` tests. spin(n) takes n - 1 backward
;; branches and returns 0, so a large n outlasts one budget slice; forever
;; never returns, so the runner can be caught mid-command by a signal.
(module
  (func (export "spin") (param $n i32) (result i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $n))
  (func (export "forever")
    (loop $l (br $l))))
