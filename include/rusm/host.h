/*
** rusm/host.h: Wasm processes (public API).
**
** The one place where the actor core (rusm/otp.h) and the engine
** (rusm/engine.h) meet. A rusm_wasm hosts Wasm processes on a shared
** rusm_rt: compile bytes to a module once, prepare it once for an entry
** export (imports resolved, entry found, instance pool made), then spawn
** processes from it cheaply. Each process is a fresh isolated instance
** driven by the scheduler as a resumable body; a dedicated epoch thread
** makes every running guest yield at least once per tick, so a guest in
** `(loop (br 0))` shares its core and stays killable.
**
** A trap, a failed instantiation or a missing import ends the process
** Crashed, delivered through links and monitors like a native crash; the
** lifecycle log line names the trap and the function.
**
** Error model: compile/prepare return NULL and fill a rusm_error; spawn
** returns RUSM_PID_NONE only when the runtime cannot take a process.
*/
#ifndef RUSM_HOST_H
#define RUSM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rusm/caps.h"
#include "rusm/engine.h"
#include "rusm/otp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rusm_wasm rusm_wasm;                   /* the Wasm runtime over a rusm_rt */
typedef struct rusm_wasm_module rusm_wasm_module;     /* a compiled core module */
typedef struct rusm_wasm_prepared rusm_wasm_prepared; /* module + entry + resolved imports */

typedef struct rusm_wasm_config {
  uint32_t epoch_tick_us;  /* epoch period; default 10000 (10 ms) */
  uint64_t max_memory;     /* per-instance hard ceiling in bytes; default 16 MiB */
  uint32_t max_call_depth; /* default 10000 frames */
  bool track_waits;        /* measure how long runnable guests wait for a core (benchmarks) */
} rusm_wasm_config;

void rusm_wasm_config_default(rusm_wasm_config *o_cfg);

/* Borrows rt (it must outlive the result). Starts the epoch thread.
** cfg may be NULL. NULL if the thread cannot be started. */
rusm_wasm *rusm_wasm_new(rusm_rt *rt, const rusm_wasm_config *cfg);
/* Kills this runtime's processes, waits for them, stops the epoch thread,
** frees the runtime. Module and prepared-module handles may be freed
** before or after (they are reference counted by their users). */
void rusm_wasm_free(rusm_wasm *w);

/* Decodes and validates bytes (copied). NULL with *o_err on failure. */
rusm_wasm_module *rusm_wasm_compile(rusm_wasm *w, const uint8_t *bytes, size_t len,
                                    rusm_error *o_err);
/* Drops the caller's handle; prepared modules keep what they need. */
void rusm_wasm_module_free(rusm_wasm_module *m);

/* Finds the entry export (type () -> ()), resolves the imports once
** (modules `rusm` and `wasi_snapshot_preview1`). A missing entry or an
** entry of the wrong type is an error here. An import that cannot be
** resolved is not: it is remembered and every process spawned from the
** result ends Crashed at once, naming the import (as a failed
** instantiation would). Takes its own reference on m. */
rusm_wasm_prepared *rusm_wasm_prepare(rusm_wasm *w, rusm_wasm_module *m, const char *entry,
                                      rusm_error *o_err);
/* Drops the caller's handle; processes still running from it keep it alive. */
void rusm_wasm_prepared_free(rusm_wasm_prepared *p);

/* Spawns a process running the entry under the sandboxed profile, or
** under caps (copied). */
rusm_pid rusm_wasm_spawn(rusm_wasm *w, rusm_wasm_prepared *p);
rusm_pid rusm_wasm_spawn_with(rusm_wasm *w, rusm_wasm_prepared *p, const rusm_caps *caps);

/* How a process ended, for rusm_wasm_spawn_opts.on_exit. */
typedef struct rusm_wasm_exit {
  rusm_pid pid;
  rusm_exit_reason reason;
  bool exited;        /* the guest called WASI proc_exit ... */
  uint32_t exit_code; /* ... with this code (0 ends Normal, else Crashed) */
  const char *error;  /* trap or instantiation error text, or NULL; valid during the call */
  bool started;       /* an instance was made: false when linking, WASI setup or
                      ** instantiation failed, so error is a start failure, not a trap */
} rusm_wasm_exit;

typedef struct rusm_wasm_spawn_opts {
  const rusm_caps *caps; /* NULL = sandboxed; copied */
  int argc;              /* WASI argv (copied); 0 = just the entry name */
  const char *const *argv;
  const char *label; /* process label (copied) or NULL */
  /* Listening sockets the guest gets as WASI preopens after its
  ** directories (duplicated at spawn; the caller keeps its own). Needs the
  ** network grant, else the process ends Crashed at start. */
  const int *sockets;
  size_t n_sockets;
  /* Called once on the worker thread as the process ends (also when it is
  ** killed or could not start). Must not block. */
  void (*on_exit)(void *arg, const rusm_wasm_exit *e);
  void *on_exit_arg;
} rusm_wasm_spawn_opts;

rusm_pid rusm_wasm_spawn_ex(rusm_wasm *w, rusm_wasm_prepared *p, const rusm_wasm_spawn_opts *o);

/* Counters. */
uint64_t rusm_wasm_notifications(rusm_wasm *w); /* sum of rusm::notify calls */
uint64_t rusm_wasm_spawned(rusm_wasm *w);
uint64_t rusm_wasm_live(rusm_wasm *w);
rusm_rt *rusm_wasm_rt(rusm_wasm *w);
/* With track_waits: the longest a preempted guest waited to run again, in ns. */
uint64_t rusm_wasm_max_wait_ns(rusm_wasm *w);

/* Kills every process of this runtime and waits for them. Returns how many
** were signalled. */
size_t rusm_wasm_shutdown(rusm_wasm *w);

#ifdef __cplusplus
}
#endif
#endif
