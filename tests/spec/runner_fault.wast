;; runner_fault.wast: a small script for test_wast_fault.c that makes the
;; runner use every kind of resource it has: the spectest module (a print
;; function and a global), a named module, a registration, a module linked
;; against the registered one, and calls across both. Run without faults:
;; 5 passed, 0 failed, 0 skipped.
(module $A
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "global_i32" (global $g i32))
  (func (export "id") (param i32) (result i32)
    (call $print (local.get 0))
    (local.get 0))
  (func (export "g") (result i32) (global.get $g)))
(register "A" $A)
(module
  (import "A" "id" (func $id (param i32) (result i32)))
  (func (export "twice") (param i32) (result i32)
    (call $id (i32.add (local.get 0) (local.get 0)))))
(assert_return (invoke "twice" (i32.const 21)) (i32.const 42))
(assert_return (invoke $A "g") (i32.const 666))
