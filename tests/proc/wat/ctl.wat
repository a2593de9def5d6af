;; Process-control probes, reported to "collector" as 4 little-endian i32:
;; is_alive(target), kill(target), list_processes total, and whether
;; register("ctl") succeeded with whereis("ctl") giving its own pid.
;; The target pid arrives as the first message (8 bytes).
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "is_alive" (func $is_alive (param i64) (result i32)))
  (import "rusm" "kill" (func $kill (param i64) (result i32)))
  (import "rusm" "list_processes" (func $list (param i32 i32) (result i32)))
  (import "rusm" "register" (func $register (param i32 i32) (result i32)))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "unregister" (func $unregister (param i32 i32) (result i32)))
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (import "rusm" "own_pid" (func $own_pid (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 200) "collector")
  (data (i32.const 220) "ctl")
  (func (export "run") (local $t i64)
    (drop (call $receive (i32.const 0) (i32.const 8)))
    (local.set $t (i64.load (i32.const 0)))
    (i32.store (i32.const 100) (call $is_alive (local.get $t)))
    (i32.store (i32.const 104) (call $kill (local.get $t)))
    (i32.store (i32.const 108) (call $list (i32.const 1000) (i32.const 4)))
    (i32.store (i32.const 112)
      (i32.and (call $register (i32.const 220) (i32.const 3))
        (i64.eq (call $whereis (i32.const 220) (i32.const 3)) (call $own_pid))))
    (drop (call $unregister (i32.const 220) (i32.const 3)))
    (call $send (call $whereis (i32.const 200) (i32.const 9)) (i32.const 100) (i32.const 16))))
