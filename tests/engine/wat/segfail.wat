;; segfail.wat: the second data segment is out of bounds; the first one,
;; and the element segment before both, stay written in the imported objects.
(module
  (import "lib" "mem" (memory 1))
  (import "lib" "tab" (table 3 funcref))
  (func $seven (result i32) (i32.const 7))
  (elem (i32.const 2) $seven)
  (data (i32.const 100) "ab")
  (data (i32.const 70000) "x"))
