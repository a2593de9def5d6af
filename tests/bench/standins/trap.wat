;; trap.wat: a stand-in kernel whose _start traps.
(module
  (memory 1)
  (func (export "_start") unreachable))
