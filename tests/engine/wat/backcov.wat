;; backcov.wat: guest for test_back_cov.c: one import of each kind, exports
;; of each kind, loops with every shape of back-edge, and calls of every
;; kind (direct, indirect, host) for budget and epoch yields.
(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "host" (func $host (param i32) (result i32)))
  (import "env" "tab" (table 2 10 funcref))
  (import "env" "mem" (memory 1 4))
  (import "env" "g" (global $g i32))
  (table $own 4 funcref)
  (global $mg (export "mg") (mut i64) (i64.const -5))
  (export "tab" (table 0))
  (export "mem" (memory 0))
  (export "g" (global $g))
  (elem (table $own) (i32.const 0) func $inc $rec)
  (elem (table 0) (i32.const 0) func $inc)
  (elem declare func $host)

  (func $inc (export "inc") (type $ii) (i32.add (local.get 0) (i32.const 1)))

  ;; Recursion n deep (n frames below the entry).
  (func $rec (export "rec") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get $n) (i32.const 1)))))))

  ;; Back-edge by a plain br.
  (func (export "loop_br") (param $n i32) (result i32) (local $i i32)
    (block $out
      (loop $top
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $i))

  ;; Back-edge by a fused compare-and-branch.
  (func (export "loop_brcmp") (param $n i32) (result i32) (local $i i32)
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_s (local.get $i) (local.get $n))))
    (local.get $i))

  ;; Back-edge by br_if on a plain value.
  (func (export "loop_brif") (param $n i32) (result i32) (local $i i32)
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top (local.get $n)))
    (local.get $i))

  ;; Back-edge by br_table.
  (func (export "loop_brtable") (param $n i32) (result i32) (local $i i32)
    (block $out
      (loop $top
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_table $top $out (i32.ge_u (local.get $i) (local.get $n)))))
    (local.get $i))

  ;; Back-edge by a load-and-branch: loops while mem[0] (the counter) > 0.
  (func (export "loop_load") (param $n i32) (result i32) (local $i i32)
    (i32.store (i32.const 0) (local.get $n))
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 0) (i32.sub (i32.load (i32.const 0)) (i32.const 1)))
      (br_if $top (i32.load (i32.const 0))))
    (local.get $i))

  ;; n direct / indirect / host calls in a row, no loop.
  (func (export "calls_direct") (result i32)
    (call $inc (call $inc (call $inc (call $inc (i32.const 0))))))
  (func (export "calls_indirect") (result i32)
    (call_indirect $own (type $ii)
      (call_indirect $own (type $ii)
        (call_indirect $own (type $ii) (i32.const 0) (i32.const 0)) (i32.const 0)) (i32.const 0)))
  (func (export "calls_host") (param i32) (result i32)
    (call $host (call $host (call $host (local.get 0)))))
  (func (export "call_tab0") (param i32) (result i32)
    (call_indirect (type $ii) (i32.const 0) (local.get 0)))

  (func (export "set_host") (table.set 0 (i32.const 1) (ref.func $host)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "get_mg") (result i64) (global.get $mg))
  (func (export "set_mg") (param i64) (global.set $mg (local.get 0)))
  (func (export "get_g") (result i32) (global.get $g))
  (func (export "trap") (unreachable)))
