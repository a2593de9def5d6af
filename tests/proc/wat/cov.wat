;; cov.wat: one export per corner of the raw `rusm` ABI that the other
;; guests leave alone. Each traps (unreachable) when a call answers
;; wrongly, so the host test reads the outcome from the exit reason.
(module
  (import "rusm" "own_pid" (func $own_pid (result i64)))
  (import "rusm" "send" (func $send (param i64 i32 i32)))
  (import "rusm" "list_processes" (func $list (param i32 i32) (result i32)))
  (import "rusm" "kill" (func $kill (param i64) (result i32)))
  (import "rusm" "register" (func $register (param i32 i32) (result i32)))
  (import "rusm" "whereis" (func $whereis (param i32 i32) (result i64)))
  (import "rusm" "receive" (func $receive (param i32 i32) (result i32)))
  (import "rusm" "stream_open" (func $open (param i64) (result i64)))
  (import "rusm" "stream_write" (func $write (param i64 i32 i32) (result i32)))
  (import "rusm" "stream_close" (func $close (param i64)))
  (import "rusm" "stream_accept" (func $accept (result i64)))
  (import "rusm" "stream_read" (func $read (param i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Names at 0x100 + 16*k.
  (data (i32.const 0x100) "\c3\a9")             ;; u2: e-acute
  (data (i32.const 0x110) "\e2\82\ac")          ;; u3: euro sign
  (data (i32.const 0x120) "\f0\9f\98\80")       ;; u4: U+1F600
  (data (i32.const 0x130) "\c0\80")             ;; over2: overlong NUL
  (data (i32.const 0x140) "\e0\80\80")          ;; over3
  (data (i32.const 0x150) "\f0\80\80\80")       ;; over4
  (data (i32.const 0x160) "\ed\a0\80")          ;; surr: U+D800
  (data (i32.const 0x170) "\f4\90\80\80")       ;; big: U+110000
  (data (i32.const 0x180) "\e2\82")             ;; trunc
  (data (i32.const 0x190) "\e2\28\a1")          ;; cont: bad continuation
  (data (i32.const 0x1a0) "\ff")                ;; lead: never a lead byte
  (data (i32.const 0x1b0) "a\00b")              ;; nul: embedded NUL
  (data (i32.const 0x1c0) "rx")
  (data (i32.const 0x1d0) "acc")
  (data (i32.const 0x1e0) "hi")
  (data (i32.const 0x1f0) "abc")
  (data (i32.const 0x200) "holder")

  ;; register(name) must succeed and whereis(name) give our pid.
  (func $reg (param $p i32) (param $n i32)
    (if (i32.ne (call $register (local.get $p) (local.get $n)) (i32.const 1)) (then unreachable))
    (if (i64.ne (call $whereis (local.get $p) (local.get $n)) (call $own_pid)) (then unreachable)))
  (func (export "u2") (call $reg (i32.const 0x100) (i32.const 2)))
  (func (export "u3") (call $reg (i32.const 0x110) (i32.const 3)))
  (func (export "u4") (call $reg (i32.const 0x120) (i32.const 4)))
  (func (export "over2") (call $reg (i32.const 0x130) (i32.const 2)))
  (func (export "over3") (call $reg (i32.const 0x140) (i32.const 3)))
  (func (export "over4") (call $reg (i32.const 0x150) (i32.const 4)))
  (func (export "surr") (call $reg (i32.const 0x160) (i32.const 3)))
  (func (export "big") (call $reg (i32.const 0x170) (i32.const 4)))
  (func (export "trunc") (call $reg (i32.const 0x180) (i32.const 2)))
  (func (export "cont") (call $reg (i32.const 0x190) (i32.const 3)))
  (func (export "lead") (call $reg (i32.const 0x1a0) (i32.const 1)))
  (func (export "nul") (call $reg (i32.const 0x1b0) (i32.const 3)))

  ;; With process control: list_processes counts everyone (at least 3 here).
  (func (export "listall")
    (if (i32.lt_u (call $list (i32.const 0x400) (i32.const 2)) (i32.const 3)) (then unreachable)))

  ;; kill(self) ends the process at once: the unreachable never runs.
  (func (export "killself")
    (drop (call $kill (call $own_pid)))
    unreachable)

  ;; stream_open to a pid that does not exist answers -1.
  (func (export "openbad")
    (if (i64.ne (call $open (i64.const 0x7fffffffffff)) (i64.const -1)) (then unreachable)))

  ;; A stream to self, then a message: receive skips the stream item.
  (func (export "recvskip")
    (if (i64.lt_s (call $open (call $own_pid)) (i64.const 0)) (then unreachable))
    (call $send (call $own_pid) (i32.const 0x1e0) (i32.const 2))
    (if (i32.ne (call $receive (i32.const 0x800) (i32.const 64)) (i32.const 2)) (then unreachable)))

  ;; A message, then a stream to self: accept skips the message; the stream
  ;; carries "abc" and then ends.
  (func (export "acceptskip") (local $w i64) (local $r i64)
    (call $send (call $own_pid) (i32.const 0x1e0) (i32.const 2))
    (local.set $w (call $open (call $own_pid)))
    (if (i64.lt_s (local.get $w) (i64.const 0)) (then unreachable))
    (local.set $r (call $accept))
    (if (i64.lt_s (local.get $r) (i64.const 0)) (then unreachable))
    (if (i32.ne (call $write (local.get $w) (i32.const 0x1f0) (i32.const 3)) (i32.const 0)) (then unreachable))
    (if (i32.ne (call $read (local.get $r) (i32.const 0x800) (i32.const 64)) (i32.const 3)) (then unreachable))
    (if (i32.ne (i32.load8_u (i32.const 0x802)) (i32.const 0x63)) (then unreachable))
    (call $close (local.get $w))
    (if (i32.ne (call $read (local.get $r) (i32.const 0x800) (i32.const 64)) (i32.const -1)) (then unreachable)))

  ;; Registers "rx", then waits in receive; the host first sends a stream
  ;; (skipped on wake-up) and then "ok".
  (func (export "recvwait")
    (call $reg (i32.const 0x1c0) (i32.const 2))
    (if (i32.ne (call $receive (i32.const 0x800) (i32.const 64)) (i32.const 2)) (then unreachable))
    (if (i32.ne (i32.load8_u (i32.const 0x800)) (i32.const 0x6f)) (then unreachable)))

  ;; Registers "acc", then waits in stream_accept; the host first sends a
  ;; message (skipped on wake-up) and then a stream holding "xyz" that it
  ;; closes later.
  (func (export "acceptwait") (local $r i64)
    (call $reg (i32.const 0x1d0) (i32.const 3))
    (local.set $r (call $accept))
    (if (i64.lt_s (local.get $r) (i64.const 0)) (then unreachable))
    (if (i32.ne (call $read (local.get $r) (i32.const 0x800) (i32.const 64)) (i32.const 3)) (then unreachable))
    (if (i32.ne (i32.load8_u (i32.const 0x800)) (i32.const 0x78)) (then unreachable))
    (if (i32.ne (call $read (local.get $r) (i32.const 0x800) (i32.const 64)) (i32.const -1)) (then unreachable)))

  ;; Writes 40 one-byte chunks into a stream to the native "holder", which
  ;; reads nothing until told: the writes park while the stream is full.
  (func (export "writefull") (local $w i64) (local $i i32)
    (local.set $w (call $open (call $whereis (i32.const 0x200) (i32.const 6))))
    (if (i64.lt_s (local.get $w) (i64.const 0)) (then unreachable))
    (loop $more
      (if (i32.ne (call $write (local.get $w) (i32.const 0x1f0) (i32.const 1)) (i32.const 0))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 40))))
    (call $close (local.get $w))))
