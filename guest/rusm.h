/*
** guest/rusm.h: the raw `rusm` import ABI for C guests (wasm32).
**
** Include this in a guest compiled with clang --target=wasm32-wasi (or
** --target=wasm32 -nostdlib). Pointers are offsets in the guest's exported
** memory `memory`; the host checks every range, and a bad one ends the
** process Crashed. No errno codes: -1 / 0 sentinels only. See
** docs/abi.md for the semantics of each call; the signatures match the
** original RUSM exactly, so guests built for it run unchanged.
*/
#ifndef RUSM_GUEST_H
#define RUSM_GUEST_H

#include <stdint.h>

#define RUSM_IMPORT(name) __attribute__((import_module("rusm"), import_name(#name)))

RUSM_IMPORT(own_pid) int64_t rusm_own_pid(void);
RUSM_IMPORT(notify) void rusm_notify(void);
RUSM_IMPORT(send) void rusm_send(int64_t to, const void *ptr, int32_t len);
/* Writes up to cap pids; returns the total (only [self] without process control). */
RUSM_IMPORT(list_processes) int32_t rusm_list_processes(int64_t *pids, int32_t cap);
RUSM_IMPORT(is_alive) int32_t rusm_is_alive(int64_t pid);
RUSM_IMPORT(kill) int32_t rusm_kill(int64_t pid);
RUSM_IMPORT(register) int32_t rusm_register(const char *name, int32_t len);
RUSM_IMPORT(whereis) int64_t rusm_whereis(const char *name, int32_t len);
RUSM_IMPORT(unregister) int32_t rusm_unregister(const char *name, int32_t len);
RUSM_IMPORT(set_label) void rusm_set_label(const char *label, int32_t len);
/* Parks until the next user message; copies min(len, cap), returns len. */
RUSM_IMPORT(receive) int32_t rusm_receive(void *buf, int32_t cap);
RUSM_IMPORT(stream_open) int64_t rusm_stream_open(int64_t to);
RUSM_IMPORT(stream_write) int32_t rusm_stream_write(int64_t id, const void *ptr, int32_t len);
RUSM_IMPORT(stream_close) void rusm_stream_close(int64_t id);
RUSM_IMPORT(stream_accept) int64_t rusm_stream_accept(void);
RUSM_IMPORT(stream_read) int32_t rusm_stream_read(int64_t id, void *buf, int32_t cap);

#undef RUSM_IMPORT

#endif
