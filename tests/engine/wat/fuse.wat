;; fuse.wat: shapes the translator fuses or specialises (compile.c): constant
;; immediates, folded adds, _A loads, bit-field extract, multiply-add, fused
;; compare-and-branch (integer, float, i64.eqz, immediates), negated compares
;; and paired copies. test_fuse.c checks each against C.
(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  ;; A linked list {next, value} at 16 -> 32 -> 48 -> 0 with values 5, 7, 11.
  (data (i32.const 16) "\20\00\00\00\05\00\00\00")
  (data (i32.const 32) "\30\00\00\00\07\00\00\00")
  (data (i32.const 48) "\00\00\00\00\0b\00\00\00")
  ;; (x + 5) + 7 and (x + 5) - 9: one add with the summed constant, wrapping.
  (func (export "add_fold") (param i32) (result i32)
    (i32.add (i32.add (local.get 0) (i32.const 5)) (i32.const 7)))
  (func (export "sub_fold") (param i32) (result i32)
    (i32.sub (i32.add (local.get 0) (i32.const 5)) (i32.const 9)))
  ;; Constant on the left: swapped for add, not for sub.
  (func (export "const_left") (param i32) (result i32)
    (i32.mul (i32.add (i32.const 10) (local.get 0)) (i32.sub (i32.const 10) (local.get 0))))
  ;; 64-bit immediates wider than 32 bits.
  (func (export "i64_imm") (param i64) (result i64)
    (i64.xor (i64.add (local.get 0) (i64.const 0x123456789)) (i64.const -0x100000000)))
  ;; (x >> s) & m with a shift count above 31 (taken mod 32).
  (func (export "shr_and") (param i32) (result i32)
    (i32.and (i32.shr_u (local.get 0) (i32.const 36)) (i32.const 0xff)))
  ;; a * b + c with the product as either operand of the add.
  (func (export "mul_add_l") (param i32 i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "mul_add_r") (param i32 i32 i32) (result i32)
    (i32.add (local.get 2) (i32.mul (local.get 0) (local.get 1))))
  (func (export "mul_add_deep") (param i32 i32 i32) (result i32)
    (i32.sub (i32.const 1000)
      (i32.add (i32.add (local.get 2) (i32.const 1)) (i32.mul (local.get 0) (local.get 1)))))
  ;; Loads at p + k: the add wraps at 32 bits before the offset applies.
  (func (export "load_a") (param i32) (result i32)
    (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 8))))
  (func (export "load_a_sub") (param i32) (result i32)
    (i32.load16_u (i32.sub (local.get 0) (i32.const 2))))
  ;; Compare-and-branch forms, slot and immediate, as br_if and as if.
  (func (export "br_lt_imm") (param i32) (result i32)
    (block (br_if 0 (i32.lt_s (local.get 0) (i32.const -5))) (return (i32.const 1)))
    (i32.const 2))
  (func (export "if_ge_u_imm") (param i32) (result i32)
    (if (result i32) (i32.ge_u (local.get 0) (i32.const 100)) (then (i32.const 3)) (else (i32.const 4))))
  (func (export "br_i64_imm") (param i64) (result i32)
    (block (br_if 0 (i64.gt_s (local.get 0) (i64.const 0x100000000))) (return (i32.const 5)))
    (i32.const 6))
  (func (export "if_f64_lt") (param f64) (result i32)
    (if (result i32) (f64.lt (local.get 0) (f64.const 1.5)) (then (i32.const 7)) (else (i32.const 8))))
  (func (export "br_f32_ge") (param f32) (result i32)
    (block (br_if 0 (f32.ge (local.get 0) (f32.const 2))) (return (i32.const 9)))
    (i32.const 10))
  (func (export "br_i64_eqz") (param i64) (result i32)
    (block (br_if 0 (i64.eqz (local.get 0))) (return (i32.const 11)))
    (i32.const 12))
  (func (export "if_i64_eqz") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 13)) (else (i32.const 14))))
  ;; i32.eqz of a compare: flipped compare, as a value and as a condition.
  (func (export "not_lt_u") (param i32 i32) (result i32)
    (i32.eqz (i32.lt_u (local.get 0) (local.get 1))))
  (func (export "if_not_eq_imm") (param i32) (result i32)
    (if (result i32) (i32.eqz (i32.eq (local.get 0) (i32.const 252)))
      (then (i32.const 15)) (else (i32.const 16))))
  ;; A loop that rotates three locals (paired copies) and counts down with a
  ;; constant step; returns a mix of the final values.
  (func (export "rotate") (param i32) (result i32)
    (local i32 i32 i32 i32)
    (local.set 1 (i32.const 1))
    (local.set 2 (i32.const 20))
    (local.set 3 (i32.const 300))
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 4 (local.get 1))
        (local.set 1 (local.get 2))
        (local.set 2 (local.get 3))
        (local.set 3 (i32.add (local.get 4) (i32.const 1)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
    (i32.add (i32.mul (local.get 1) (i32.const 1000000))
      (i32.add (i32.mul (local.get 2) (i32.const 1000)) (local.get 3))))
  ;; Constants as call arguments and block results (no frame constants).
  (func $sub3 (param i32 i32 i32) (result i32)
    (i32.sub (i32.sub (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "const_args") (param i32) (result i32)
    (i32.add (call $sub3 (i32.const 100) (i32.const 7) (local.get 0))
      (block (result i32) (br_if 0 (i32.const 40) (local.get 0)) (drop) (i32.const 50))))
;; A list walk: p = p->next fused with the loop's br_if (dst = its own address).
  (func (export "walk") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.load offset=4 (local.get 0))))
      (br_if 0 (local.tee 0 (i32.load (local.get 0)))))
    (local.get 1))
  ;; A byte flag as an if condition.
  (func (export "flag") (param i32) (result i32)
    (if (result i32) (i32.load8_u (local.get 0)) (then (i32.const 17)) (else (i32.const 18))))
)
