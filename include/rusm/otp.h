/*
** rusm/otp.h: the Wasm-free actor core (public API).
**
** A runtime (rusm_rt) runs processes on an M:N scheduler: a few worker
** threads, many processes. A process is addressed by a pid that never
** reaches a newer process. Its body is either a native C function that may
** block in receive (rusm_spawn) or a resumable state machine driven by the
** scheduler (rusm_spawn_body; the Wasm host uses this one).
**
** Error model of this layer: functions return a value that says what
** happened (false / 0 / NULL / RUSM_PID_NONE for "no such live process",
** "name taken", "timed out"); nothing here prints or aborts on bad input.
** Ownership is stated on each function: "takes" = the callee owns it after
** the call (also on failure), "borrows" = the caller keeps it.
**
** Semantics follow the original RUSM (shared/RUSM-REFERENCE.md section 1) and,
** where that is silent, Erlang/OTP.
*/
#ifndef RUSM_OTP_H
#define RUSM_OTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ types */

typedef struct rusm_rt rusm_rt;   /* a runtime: scheduler, process table, registry */
typedef struct rusm_ctx rusm_ctx; /* the running process, as its body sees it */
typedef uint64_t rusm_pid;        /* a process id; displayed as #<n> */
typedef uint64_t rusm_ref;        /* a monitor or timer reference */

#define RUSM_PID_NONE UINT64_MAX

/* Exit reasons, defined once. */
#define RUSM_EXIT_REASONS(X)                                                                       \
  X(NORMAL, "normal")   /* the body returned */                                                    \
  X(KILLED, "killed")   /* kill, shutdown, or an abnormal link cascade */                          \
  X(CRASHED, "crashed") /* rusm_crash, a failed assertion, a Wasm trap */                          \
  X(NOPROC, "noproc")   /* monitor of a process that was already dead */

typedef enum {
#define X(n, s) RUSM_EXIT_##n,
  RUSM_EXIT_REASONS(X)
#undef X
} rusm_exit_reason;

const char *rusm_exit_reason_name(rusm_exit_reason r); /* "normal", ... (static) */

/* ------------------------------------------------------------ the runtime */

typedef struct rusm_rt_config {
  unsigned workers;         /* worker threads; 0 = one per online core */
  uint32_t reductions;      /* budget of a time slice (default 4000, as the BEAM) */
  bool track_mailbox_depth; /* keep per-process depth for rusm_info (off: costs nothing) */
  size_t mailbox_capacity;  /* 0 = unbounded; else user messages past it are shed */
} rusm_rt_config;

void rusm_rt_config_default(rusm_rt_config *o_cfg);

/* Creates a runtime and starts its workers. cfg may be NULL (defaults).
** Returns NULL only when threads or memory cannot be had. */
rusm_rt *rusm_rt_new(const rusm_rt_config *cfg);

/* Asks every live process to end (each runs its normal teardown: names,
** monitors, links) and waits until none is left. Returns how many were
** signalled. The runtime stays usable afterwards. */
size_t rusm_rt_shutdown(rusm_rt *rt);

/* Shuts down, stops the workers, frees everything. Takes rt. */
void rusm_rt_free(rusm_rt *rt);

/* Blocks the calling OS thread (not a process) until pid has exited.
** For hosts and tests; returns at once for a dead or unknown pid. */
void rusm_rt_join(rusm_rt *rt, rusm_pid pid);

/* ------------------------------------------------------------- processes */

/* A native body. It runs as a fiber on its worker's shared stack (copied
** aside while it waits; docs/scheduler.md) and may block in rusm_receive*.
** It must fit in 256 KiB of stack, and once started it stays on its worker.
** Returning ends the process with RUSM_EXIT_NORMAL. arg is borrowed by the
** body; if arg_free is given the runtime calls it after the body is done
** (also when the process is killed before it ever ran). */
typedef void (*rusm_body_fn)(rusm_ctx *ctx, void *arg);

rusm_pid rusm_spawn(rusm_rt *rt, rusm_body_fn body, void *arg, void (*arg_free)(void *));

/* As rusm_spawn, but the child is linked to parent before it runs. If parent
** is already dead the child still runs and gets the same signal a live link
** to a dead process would give (Erlang's spawn_link). */
rusm_pid rusm_spawn_link(rusm_rt *rt, rusm_pid parent, rusm_body_fn body, void *arg,
                         void (*arg_free)(void *));

/* Resumable bodies (the Wasm host's process backend). The scheduler calls
** resume with a reduction budget; the body runs until it is done, spends the
** budget, or must wait for an event it armed (a message, a timer via
** rusm_wait_deadline, an fd, a stream). destroy frees state; it is called
** exactly once, also when the process is killed while waiting or runnable. */
typedef enum {
  RUSM_STEP_YIELD, /* budget spent or preempted: put me back on the run queue */
  RUSM_STEP_WAIT,  /* park me until something arrives or an armed wait fires */
  RUSM_STEP_EXIT   /* done; *o_reason says how */
} rusm_step;

typedef struct rusm_body_ops {
  rusm_step (*resume)(void *state, rusm_ctx *ctx, uint32_t budget, rusm_exit_reason *o_reason);
  void (*destroy)(void *state);
} rusm_body_ops;

/* Takes state (destroy is called on it even if spawning fails). */
rusm_pid rusm_spawn_body(rusm_rt *rt, const rusm_body_ops *ops, void *state);
/* The same with a label (copied; NULL for none) in place before the process
** can run, so even a process that exits at once is logged under it
** (rusm_set_label after spawning can lose that race). */
rusm_pid rusm_spawn_body_labelled(rusm_rt *rt, const rusm_body_ops *ops, void *state,
                                  const char *label);

/* The calling process. */
rusm_pid rusm_self(rusm_ctx *ctx);
rusm_rt *rusm_ctx_rt(rusm_ctx *ctx);

/* True once this process has been killed (or the runtime is shutting down):
** every blocking call then returns at once with NULL/false and the body
** should return. A native body that never calls into the runtime cannot be
** stopped; Wasm bodies always can. */
bool rusm_killed(rusm_ctx *ctx);

/* Ends the calling native body now with RUSM_EXIT_CRASHED (does not return). */
_Noreturn void rusm_crash(rusm_ctx *ctx);

/* Our assertion: a failed one crashes the process, not the host. */
#define RUSM_ASSERT(ctx, cond)                                                                     \
  do {                                                                                             \
    if (!(cond)) rusm_crash(ctx);                                                                  \
  } while (0)

/* Gives up the rest of the time slice (a native body's cooperative yield). */
void rusm_yield(rusm_ctx *ctx);

/* ------------------------------------------------------------ messages */

typedef struct rusm_stream_reader rusm_stream_reader; /* see rusm/stream.h */

/* Kinds of mailbox item, defined once. */
#define RUSM_ITEM_KINDS(X)                                                                         \
  X(MESSAGE, "message") /* user bytes */                                                           \
  X(STREAM, "stream")   /* the read end of a byte stream */                                        \
  X(DOWN, "down")       /* a monitored process ended */                                            \
  X(EXIT, "exit")       /* a linked process ended (only when trapping exits) */

typedef enum {
#define X(n, s) RUSM_ITEM_##n,
  RUSM_ITEM_KINDS(X)
#undef X
} rusm_item_kind;

/* A received item. The receiver owns it and frees it with rusm_item_free. */
typedef struct rusm_item {
  rusm_item_kind kind;
  union {
    struct {
      uint8_t *data; /* owned by the item */
      size_t len;
    } msg;
    rusm_stream_reader *stream; /* moved out by setting it to NULL before free */
    struct {
      rusm_ref ref;
      rusm_pid pid;
      rusm_exit_reason reason;
    } down;
    struct {
      rusm_pid from;
      rusm_exit_reason reason;
    } exit;
  } u;
} rusm_item;

void rusm_item_free(rusm_item *item);

/* Copies len bytes into pid's mailbox. false if pid is not alive or the
** message was shed by the mailbox capacity (counted in dropped_messages). */
bool rusm_send(rusm_rt *rt, rusm_pid to, const void *data, size_t len);

/* Moves a malloc'd buffer into the mailbox without copying. Takes data
** (freed on failure too). */
bool rusm_send_owned(rusm_rt *rt, rusm_pid to, void *data, size_t len);

bool rusm_send_named(rusm_rt *rt, const char *name, const void *data, size_t len);

/* Selective-receive predicate; borrows item. */
typedef bool (*rusm_match_fn)(const rusm_item *item, void *arg);

#define RUSM_FOREVER (-1)

/* Blocks until the first item (FIFO), or NULL if killed. */
rusm_item *rusm_receive(rusm_ctx *ctx);

/* The general form: the first item for which match returns true (NULL
** match = any), waiting at most timeout_us microseconds (RUSM_FOREVER = no
** limit, 0 = just look). Items that do not match stay in the mailbox in
** arrival order; while the call waits they are not scanned again, only new
** arrivals are (a saved scan position, as in Erlang). Each call starts from
** the oldest item, since its predicate may want what an earlier one skipped.
** From a resumable body this is rusm_try_receive. NULL on timeout or kill
** (rusm_killed tells which). A message that arrives at the deadline is never
** lost: it stays in the mailbox for the next receive. */
rusm_item *rusm_receive_match(rusm_ctx *ctx, rusm_match_fn match, void *arg, int64_t timeout_us);

/* Non-blocking form for resumable bodies: an item or NULL. A resumable body
** polls, so the saved scan position outlives the call: a rusm_try_receive
** with the same (match, arg) pair as the previous one, which found nothing,
** scans only the items that arrived since. Any other pair, a NULL match, a
** success, or rusm_receive_rewind starts again from the oldest item. */
rusm_item *rusm_try_receive(rusm_ctx *ctx, rusm_match_fn match, void *arg);

/* Starts the next rusm_try_receive from the oldest item: call it when a new
** logical receive reuses the previous (match, arg) pair with a different
** meaning (e.g. arg points at a filter that was changed). */
void rusm_receive_rewind(rusm_ctx *ctx);

/* For resumable bodies: arm a wake-up at an absolute monotonic time (ns,
** see rusm_now_ns) for the next RUSM_STEP_WAIT. A message still wakes the
** process earlier. Cleared on every resume. */
void rusm_wait_deadline(rusm_ctx *ctx, uint64_t deadline_ns);

uint64_t rusm_now_ns(void); /* CLOCK_MONOTONIC */

/* ------------------------------------------------ links, monitors, exits */

bool rusm_kill(rusm_rt *rt, rusm_pid pid);                          /* reason Killed */
bool rusm_exit(rusm_rt *rt, rusm_pid pid, rusm_exit_reason reason); /* staged reason */
bool rusm_link(rusm_rt *rt, rusm_pid a, rusm_pid b);                /* bidirectional */
bool rusm_unlink(rusm_rt *rt, rusm_pid a, rusm_pid b);
bool rusm_set_trap_exit(rusm_rt *rt, rusm_pid pid, bool on);
/* watcher gets Down{ref, target, reason} when target ends; at once with
** NOPROC if target is already dead. Not de-duplicated. RUSM_PID_NONE-free:
** returns the ref even then. */
rusm_ref rusm_monitor(rusm_rt *rt, rusm_pid watcher, rusm_pid target);
bool rusm_demonitor(rusm_rt *rt, rusm_pid watcher, rusm_ref ref);

/* ------------------------------------------------------- registry, tags */

bool rusm_register(rusm_rt *rt, const char *name, rusm_pid pid); /* false if taken or dead */
rusm_pid rusm_whereis(rusm_rt *rt, const char *name);            /* RUSM_PID_NONE if none */
bool rusm_unregister(rusm_rt *rt, const char *name);             /* no ownership check */
/* The holder of name, or a new process running body registered under it.
** Race-free: of two concurrent callers exactly one body runs registered;
** a losing candidate is killed before it runs and the winner returned. */
rusm_pid rusm_whereis_or_spawn(rusm_rt *rt, const char *name, rusm_body_fn body, void *arg,
                               void (*arg_free)(void *));

bool rusm_register_tag(rusm_rt *rt, const char *tag, rusm_pid pid); /* idempotent */
bool rusm_unregister_tag(rusm_rt *rt, const char *tag, rusm_pid pid);
/* Writes up to cap live members; returns the total count. */
size_t rusm_whereis_tag(rusm_rt *rt, const char *tag, rusm_pid *o_pids, size_t cap);
size_t rusm_kill_tag(rusm_rt *rt, const char *tag); /* kills succeeded */

/* ---------------------------------------------------------------- timers */

/* Delivers a copy of data to pid after delay_us. Returns a ref for cancel. */
rusm_ref rusm_send_after(rusm_rt *rt, rusm_pid pid, uint64_t delay_us, const void *data,
                         size_t len);
bool rusm_cancel_timer(rusm_rt *rt, rusm_ref timer); /* false if fired or unknown */

/* --------------------------------------------------------- introspection */

size_t rusm_process_count(rusm_rt *rt); /* live */
uint64_t rusm_spawned(rusm_rt *rt);
uint64_t rusm_finished(rusm_rt *rt);
uint64_t rusm_dropped_messages(rusm_rt *rt);
bool rusm_is_alive(rusm_rt *rt, rusm_pid pid);
/* Best-effort snapshot: writes up to cap pids, returns the live count. */
size_t rusm_list(rusm_rt *rt, rusm_pid *o_pids, size_t cap);

typedef struct rusm_info {
  rusm_pid pid;
  size_t links;
  size_t monitors; /* how many monitor this process */
  char **names;    /* owned, NULL-terminated; free with rusm_info_clear */
  size_t n_names;
  char *label;          /* owned or NULL */
  size_t mailbox_depth; /* 0 unless depth tracking is on */
  bool trap_exit;
} rusm_info;

bool rusm_get_info(rusm_rt *rt, rusm_pid pid, rusm_info *o_info); /* false if dead */
void rusm_info_clear(rusm_info *info);
bool rusm_set_label(rusm_rt *rt, rusm_pid pid, const char *label); /* copies label */

/* --------------------------------------------------------------- logging */

#define RUSM_LOG_LEVELS(X)                                                                         \
  X(OFF, "off") X(ERROR, "error") X(WARN, "warn") X(INFO, "info") X(DEBUG, "debug")
typedef enum {
#define X(n, s) RUSM_LOG_##n,
  RUSM_LOG_LEVELS(X)
#undef X
} rusm_log_level;

rusm_log_level rusm_log_level_parse(const char *s); /* reference 1.7 rules; else OFF */
rusm_log_level rusm_log_level_for_exit(rusm_exit_reason r);
void rusm_set_log_level(rusm_rt *rt, rusm_log_level level);
bool rusm_wants_log(rusm_rt *rt, rusm_log_level level);
/* Where lifecycle lines go (default stderr); borrowed FILE*. */
void rusm_set_log_sink(rusm_rt *rt, void *file);
/* Debug-level spawn line for a labelled process (detail: e.g. caps summary). */
void rusm_log_spawn(rusm_rt *rt, rusm_pid pid, const char *label, const char *detail);

/* One platform line ("<time> rusm <verb> <message>") at level, if the
** runtime's level admits it. For layers above the core (the Wasm host logs
** traps with it). Borrows both strings. */
void rusm_log_event(rusm_rt *rt, rusm_log_level level, const char *verb, const char *message);

/* ----------------------------------------------------------- supervisors */

typedef enum { RUSM_ONE_FOR_ONE, RUSM_ONE_FOR_ALL, RUSM_REST_FOR_ONE } rusm_strategy;

/* A child spec: a re-runnable factory that starts the child and returns its
** pid (RUSM_PID_NONE if it could not). arg is borrowed for the supervisor's
** life. */
typedef rusm_pid (*rusm_child_fn)(rusm_rt *rt, void *arg);

typedef struct rusm_sup_spec rusm_sup_spec; /* builder */

rusm_sup_spec *rusm_sup_new(rusm_strategy strategy); /* 3 restarts within 5 s */
void rusm_sup_child(rusm_sup_spec *spec, rusm_child_fn start, void *arg);
void rusm_sup_max_restarts(rusm_sup_spec *spec, uint32_t n); /* 0 = unlimited */
void rusm_sup_within(rusm_sup_spec *spec, uint64_t window_us);
void rusm_sup_over_lifetime(rusm_sup_spec *spec);
/* Starts the supervisor process; takes spec. */
rusm_pid rusm_sup_start(rusm_rt *rt, rusm_sup_spec *spec);
/* Snapshot of the current children pids in spec order; returns the count. */
size_t rusm_sup_children(rusm_rt *rt, rusm_pid sup, rusm_pid *o_pids, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
