;; hostobj.wat: imports a table, a memory and globals made by the embedder.
(module
  (import "env" "tab" (table 2 externref))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global $g i64))
  (import "env" "gm" (global $gm (mut f32)))
  (global $own i64 (global.get $g))
  (func (export "get_ref") (param i32) (result externref) (table.get 0 (local.get 0)))
  (func (export "set_ref") (param i32 externref) (table.set 0 (local.get 0) (local.get 1)))
  (func (export "grow_tab") (param i32) (result i32) (table.grow 0 (ref.null extern) (local.get 0)))
  (func (export "own") (result i64) (global.get $own))
  (func (export "set_gm") (param f32) (global.set $gm (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))
