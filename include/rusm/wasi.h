/*
** rusm/wasi.h: WASI preview1 (wasi_snapshot_preview1) as host functions
** over the engine API (rusm/engine.h), confined by a rusm_caps.
**
** Three objects:
**  - rusm_wasi: one guest's WASI state (args, env, fd table, preopens,
**    exit code, a pending wait). One per instance.
**  - rusm_wasi_link: the host functions, made once and shared by every
**    module and instance; a call finds its rusm_wasi through a lookup
**    callback (by default rusm_instance_user(inst)).
**  - rusm_wasi_run: a standalone driver for tests and tools.
**
** Blocking model: no call ever sleeps. A call that would block (fd_read on
** an empty pipe, poll_oneoff with a timeout and nothing ready,
** sched_yield) records a wait request in its rusm_wasi and returns
** RUSM_HOST_SUSPEND. The embedder reads rusm_wasi_pending(), waits for it
** however it likes (poll, timers, its scheduler), then calls
** rusm_wasi_retry(), which re-executes the suspended call with
** rusm_suspended_args() and resumes the instance with its results (or
** suspends again with a fresh wait request if still not ready).
**
** proc_exit ends execution with a host trap whose message is
** RUSM_WASI_EXIT_MSG; rusm_wasi_exited() then says so and gives the code.
*/
#ifndef RUSM_WASI_H
#define RUSM_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rusm/caps.h"
#include "rusm/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RUSM_WASI_MODULE "wasi_snapshot_preview1"
#define RUSM_WASI_EXIT_MSG "wasi proc_exit" /* host trap message of proc_exit */

typedef struct rusm_wasi rusm_wasi;
typedef struct rusm_wasi_link rusm_wasi_link;

typedef struct rusm_wasi_wait rusm_wasi_wait;

/* Where the guest's stdio goes when the caps grant stdio (ignored
** otherwise: then stdin reads EOF and stdout/stderr writes are discarded).
** -1 means the host's own 0/1/2. The fds are borrowed, never closed.
** on_wait is for rusm_wasi_run only: called with each wait request just
** before the driver waits for it (tests and tools); NULL = none. */
typedef struct rusm_wasi_options {
  int stdin_fd, stdout_fd, stderr_fd;
  void (*on_wait)(const rusm_wasi_wait *wait, void *arg);
  void *on_wait_arg;
  /* Listening sockets the guest gets as preopened fds after the
  ** directories (wasmtime's --tcplisten): borrowed, duplicated here. Only
  ** with the network grant; without it rusm_wasi_new fails. */
  const int *sockets;
  size_t n_sockets;
} rusm_wasi_options;

/* Builds a context: argv (copied; argv[0] is the program name), the caps'
** env and preopens (fds 3, 4, ... in caps order; each host dir is opened
** now). NULL on failure with a reason in err (e.g. "preopen /x: host
** directory /nope: No such file or directory"). opt may be NULL. */
rusm_wasi *rusm_wasi_new(const rusm_caps *caps, int argc, const char *const *argv,
                         const rusm_wasi_options *opt, char *err, size_t err_cap);
void rusm_wasi_free(rusm_wasi *w); /* takes w; closes the fds it opened */

/* proc_exit seen: true and *o_code set. */
bool rusm_wasi_exited(const rusm_wasi *w, uint32_t *o_code);

/* ------------------------------------------------------------ waits */

typedef enum {
  RUSM_WASI_WAIT_NONE,  /* nothing suspended */
  RUSM_WASI_WAIT_YIELD, /* sched_yield: let others run, then retry */
  RUSM_WASI_WAIT_EVENTS /* retry when any fd is ready or the deadline passes */
} rusm_wasi_wait_kind;

typedef struct rusm_wasi_waitfd {
  int fd;     /* host fd */
  bool write; /* false: wait until readable (or hung up); true: writable */
} rusm_wasi_waitfd;

struct rusm_wasi_wait {
  rusm_wasi_wait_kind kind;
  size_t n_fds;
  const rusm_wasi_waitfd *fds; /* owned by the rusm_wasi; valid until the retry */
  uint64_t deadline_ns;        /* CLOCK_MONOTONIC; UINT64_MAX = none */
};

/* The wait request of the suspended call, or NULL if none. Borrowed. */
const rusm_wasi_wait *rusm_wasi_pending(const rusm_wasi *w);

/* Re-executes the suspended WASI call of inst (which must be suspended in
** a call of this rusm_wasi) and, if it completes, resumes inst with its
** results under budget (the engine's status is returned). If it would
** still block, a new wait request is recorded and RUSM_EXEC_SUSPEND is
** returned without resuming. */
rusm_exec_status rusm_wasi_retry(rusm_wasi *w, rusm_instance *inst, uint32_t budget);

/* ------------------------------------------------------------ linking */

/* How a host call finds its guest's rusm_wasi. */
typedef rusm_wasi *(*rusm_wasi_lookup_fn)(rusm_instance *inst, void *arg);

/* Makes every WASI host function once. lookup NULL = rusm_instance_user.
** Caller owns; free after every prepared module linked against it. */
rusm_wasi_link *rusm_wasi_link_new(rusm_wasi_lookup_fn lookup, void *lookup_arg);
void rusm_wasi_link_free(rusm_wasi_link *l);

/* Resolves one import wasi_snapshot_preview1.name of the given type.
** false with o_err filled ("unknown WASI function: x", "incompatible
** import type for wasi_snapshot_preview1.x") otherwise. */
bool rusm_wasi_resolve(const rusm_wasi_link *l, const char *name, const rusm_externtype *type,
                       rusm_extern *o_ext, rusm_error *o_err);

/* The import array for a module whose imports are all WASI (one entry per
** import, in order). Caller owns the array (free()). NULL with o_err on a
** non-WASI or unknown import. *o_n gets the count (0 imports: a non-NULL
** empty array). */
rusm_extern *rusm_wasi_imports(const rusm_wasi_link *l, const rusm_module *m, size_t *o_n,
                               rusm_error *o_err);

/* Number of WASI functions and their names (for docs and tests). */
size_t rusm_wasi_func_count(void);
const char *rusm_wasi_func_name(size_t i);

/* ------------------------------------------------------------ driver */

typedef enum {
  RUSM_WASI_RUN_EXITED, /* _start returned (code 0) or proc_exit(code) */
  RUSM_WASI_RUN_TRAP,   /* a trap other than proc_exit: see msg */
  RUSM_WASI_RUN_ERROR   /* load/link/instantiate/setup failed: see msg */
} rusm_wasi_run_status;

typedef struct rusm_wasi_run_result {
  rusm_wasi_run_status status;
  uint32_t exit_code;
  char msg[256];
  /* What the driver did while the guest waited (for tests). */
  uint32_t n_waits, n_yields;
  uint64_t first_wait_deadline_ns; /* monotonic; UINT64_MAX if none */
  uint64_t first_wait_started_ns;  /* monotonic time the first wait was seen */
} rusm_wasi_run_result;

/* Loads, links and runs a wasip1 command module's _start to the end,
** satisfying waits with poll()/nanosleep on this thread (the driver's
** thread sleeps; the guest's host calls never do). */
void rusm_wasi_run(const uint8_t *bytes, size_t len, const rusm_caps *caps, int argc,
                   const char *const *argv, const rusm_wasi_options *opt,
                   rusm_wasi_run_result *o_res);

#ifdef __cplusplus
}
#endif
#endif
