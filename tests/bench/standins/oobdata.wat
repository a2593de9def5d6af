;; oobdata.wat: a stand-in kernel whose data segment lies past its memory,
;; so every instantiation fails.
(module
  (memory 1)
  (data (i32.const 65535) "xy")
  (func (export "_start")))
