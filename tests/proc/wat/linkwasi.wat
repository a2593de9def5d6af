;; linkwasi.wat: imports a WASI preview1 function that does not exist.
(module
  (import "wasi_snapshot_preview1" "no_such_fn" (func))
  (func (export "run")))
