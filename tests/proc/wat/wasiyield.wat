;; wasiyield.wat: WASI sched_yield three times (the process gives up its
;; core each time, as a reduction-budget preemption would) and returns.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (if (call $yield) (then unreachable))
    (if (call $yield) (then unreachable))
    (if (call $yield) (then unreachable))))
