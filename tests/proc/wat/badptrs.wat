;; One export per pointer-taking `rusm` call, each given a range that runs
;; past the end of the 1-page memory: every one must end the process
;; Crashed with a clear reason, never touch host memory.
(module
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "list_processes" (func $list (param i32 i32) (result i32)))
  (import "rusm" "register" (func $register (param i32 i32) (result i32)))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "unregister" (func $unregister (param i32 i32) (result i32)))
  (import "rusm" "set_label" (func $set_label (param i32 i32)))
  (import "rusm" "stream_open" (func $open (param i64) (result i64)))
  (import "rusm" "stream_write" (func $write (param i64 i32 i32) (result i32)))
  (import "rusm" "stream_read" (func $read (param i64 i32 i32) (result i32)))
  (import "rusm" "own_pid" (func $own_pid (result i64)))
  (memory (export "memory") 1)
  (func (export "receive") (drop (call $receive (i32.const 65000) (i32.const 1000))))
  (func (export "list") (drop (call $list (i32.const 65530) (i32.const 2))))
  (func (export "register") (drop (call $register (i32.const -1) (i32.const 4))))
  (func (export "whereis") (drop (call $whereis (i32.const 65535) (i32.const 2))))
  (func (export "unregister") (drop (call $unregister (i32.const 0) (i32.const 70000))))
  (func (export "set_label") (call $set_label (i32.const 65536) (i32.const 1)))
  (func (export "stream_write")
    (drop (call $write (call $open (call $own_pid)) (i32.const 65535) (i32.const 2))))
  (func (export "stream_read") (drop (call $read (i64.const 0) (i32.const 65535) (i32.const 4)))))
