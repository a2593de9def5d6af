/*
** host_int.h: internals of the Wasm process host (src/host), shared by its
** files: the runtime (wasm_rt.c), modules and linking (module.c), the
** process body (process.c) and the raw `rusm` import ABI (abi.c).
*/
#ifndef RUSM_HOST_INT_H
#define RUSM_HOST_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "rusm/host.h"
#include "rusm/wasi.h"

struct rusm_wasm {
  rusm_rt *rt; /* borrowed */
  rusm_wasm_config cfg;
  /* The epoch: bumped every tick by the epoch thread, read by every running
  ** instance at calls and loop back-edges. */
  _Atomic uint64_t epoch;
  pthread_t epoch_thread;
  pthread_mutex_t epoch_lock;
  pthread_cond_t epoch_cond;
  bool epoch_stop;
  rusm_wasi_link *wasi_link; /* the WASI host functions, made once */
  rusm_func **abi_funcs;     /* the `rusm` host functions, made once, by ABI index */
  _Atomic uint64_t notifications, spawned, live;
  _Atomic uint64_t max_wait_ns; /* with cfg.track_waits */
};

/* Modules and prepared modules are reference counted: the embedder's
** handle is one reference, every prepared module holds its module, and
** every process holds its prepared module, so freeing a handle while
** processes still run is safe (the last user frees). */
struct rusm_wasm_module {
  rusm_wasm *w;
  rusm_module *mod; /* owned */
  _Atomic uint32_t refs;
};

struct rusm_wasm_prepared {
  rusm_wasm *w;
  rusm_wasm_module *m; /* a reference */
  _Atomic uint32_t refs;
  rusm_prepared *prep;  /* owned; NULL when linking failed */
  rusm_func *entry;     /* resolved once: the entry export (of the first instance) */
  long entry_export;    /* export index of the entry */
  bool needs_wasi;      /* imports something from wasi_snapshot_preview1 */
  bool memory_export;   /* exports a memory named `memory` (the raw ABI's pointers need it) */
  char link_error[200]; /* non-empty: every spawn ends Crashed with this */
};

/* The raw `rusm` ABI, defined once: X(name, params, results, handler).
** Signature letters: I = i32, L = i64. */
#define HOST_ABI(X)                                                                                \
  X(own_pid, "", "L")                                                                              \
  X(notify, "", "")                                                                                \
  X(send, "LII", "")                                                                               \
  X(list_processes, "II", "I")                                                                     \
  X(is_alive, "L", "I")                                                                            \
  X(kill, "L", "I")                                                                                \
  X(register, "II", "I")                                                                           \
  X(whereis, "II", "L")                                                                            \
  X(unregister, "II", "I")                                                                         \
  X(set_label, "II", "")                                                                           \
  X(receive, "II", "I")                                                                            \
  X(stream_open, "L", "L")                                                                         \
  X(stream_write, "LII", "I")                                                                      \
  X(stream_close, "L", "")                                                                         \
  X(stream_accept, "", "L")                                                                        \
  X(stream_read, "LII", "I")

typedef enum {
#define X(n, p, r) HOST_ABI_##n,
  HOST_ABI(X)
#undef X
      HOST_ABI_COUNT
} host_abi_id;

/* abi.c: makes the host functions (one per ABI entry) for w. */
bool host_abi_init(rusm_wasm *w);
void host_abi_fini(rusm_wasm *w);
/* Index of the ABI function called name, or -1. */
int host_abi_find(const char *name);

/* A process's stream ends, by id (ids start at 0, one counter for both
** directions, never reused). The table owns the ends. */
typedef struct host_stream {
  bool is_writer;
  union {
    struct rusm_stream_writer *w;
    rusm_stream_reader *r;
  } u;
} host_stream;

typedef struct host_streams {
  host_stream *v; /* v[id]; both pointers NULL once closed */
  size_t n, cap;
  void *pending; /* a copied chunk waiting for room (stream_write) */
  size_t pending_len;
} host_streams;

/* abi.c: closes every end still in the table. */
void host_streams_release(host_streams *s);

/* module.c */
void host_prepared_ref(rusm_wasm_prepared *p);
void host_prepared_unref(rusm_wasm_prepared *p);

/* process.c */
typedef struct host_proc host_proc;
host_streams *host_proc_streams(host_proc *hp);
/* A suspended `rusm` call, retried on the process's next resume: it either
** completes (rusm_resume_host) or arms a new wait and returns SUSPEND. */
typedef rusm_exec_status (*host_abi_retry)(host_proc *hp, rusm_instance *inst, uint32_t budget);
extern rusm_wasi_lookup_fn host_wasi_lookup;
rusm_ctx *host_proc_ctx(const host_proc *hp);
const rusm_caps *host_proc_caps(const host_proc *hp);
void host_proc_notify(host_proc *hp);
/* Arms r for the next resume; yield=true parks as runnable (RUSM_STEP_YIELD)
** instead of waiting for an event. */
void host_proc_set_retry(host_proc *hp, host_abi_retry r, bool yield);
/* The process state behind an instance's user pointer. */
host_proc *host_proc_of(rusm_instance *inst);
rusm_pid host_proc_pid(const host_proc *hp);
const rusm_wasm_prepared *host_proc_prepared(const host_proc *hp);

#endif
