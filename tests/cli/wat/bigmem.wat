;; bigmem.wat: asks for 4 pages (256 KiB) up front, so a smaller
;; --max-memory makes instantiation fail.
(module
  (memory (export "memory") 4)
  (func (export "_start")))
