;; unsupported.wat: a stand-in kernel importing a WASI call the bench has no
;; stub for (no i32 result, so it cannot answer ENOSYS).
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func))
  (func (export "_start")))
