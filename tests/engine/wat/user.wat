;; user.wat: imports everything lib.wat exports and calls across.
(module
  (import "lib" "mem" (memory 1))
  (import "lib" "counter" (global (mut i32)))
  (import "lib" "tab" (table 3 funcref))
  (import "lib" "bump" (func $bump (result i32)))
  (type $v_i (func (result i32)))
  (func $mine (result i32) (i32.const 500))
  (elem (i32.const 1) $mine)
  (func (export "direct") (result i32) (call $bump))
  (func (export "indirect") (param i32) (result i32) (call_indirect (type $v_i) (local.get 0)))
  (func (export "mem0") (result i32) (i32.load (i32.const 0)))
  (func (export "counter") (result i32) (global.get 0)))
