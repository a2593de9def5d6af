/*
** otp_int.h: the actor core's internal types and cross-file functions.
**
** Everything here is private to src/otp (prefix otp_). The public face is
** include/rusm/otp.h. Modules:
**   proc.c     process table (slab + generations), spawn, exit teardown
**   sched.c    workers, run queues, stealing, sleeping, waking
**   fiber.c    native bodies on a per-worker shared stack (copy on park)
**   body.c     resumable bodies (rusm_spawn_body)
**   mailbox.c  items, send, (selective) receive
**   signal.c   kill/exit, links, monitors, trap_exit
**   registry.c names and tags
**   timer.c    the timer wheel (send_after, receive timeouts, deadlines)
**   info.c     introspection
**   rt.c       runtime lifecycle, join, logging switches
*/
#ifndef OTP_INT_H
#define OTP_INT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rusm/otp.h"
#include "lock.h"

/* ------------------------------------------------------------ mailbox item */

/* One allocation per item: this header, then the bytes of a copied message. */
typedef struct otp_node {
  struct otp_node *next;
  uint32_t flags; /* OTP_NODE_* */
  rusm_item item;
} otp_node;

#define OTP_NODE_EXTERNAL 1u /* msg.data is a separate malloc'd buffer (send_owned) */

/* Set by the stream module before the first stream reaches a mailbox; frees
** a reader that was never moved out of its item. NULL = no streams exist. */
extern void (*_Atomic otp_stream_release)(rusm_stream_reader *reader);

/* ------------------------------------------------------------------ timers */

typedef struct otp_timer {
  struct otp_timer *next, **pprev; /* wheel slot list; pprev NULL = not armed */
  struct otp_timer *hnext;         /* ref hash chain (send_after only) */
  uint64_t tick;                   /* fires when the wheel reaches this tick */
  rusm_pid pid;                    /* target */
  rusm_ref ref;                    /* 0 = a process wake-up (embedded in otp_proc) */
  otp_node *msg;                   /* send_after payload, owned */
} otp_timer;

#define OTP_TW_BITS 6
#define OTP_TW_SLOTS (1u << OTP_TW_BITS)
#define OTP_TW_LEVELS 6

typedef struct otp_wheel {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  bool running, stop;
  uint64_t start_ns;  /* tick 0 */
  uint64_t now_tick;  /* every tick <= now_tick has been processed */
  uint64_t wake_tick; /* when the thread plans to wake (UINT64_MAX = never) */
  size_t count;
  otp_timer *slots[OTP_TW_LEVELS][OTP_TW_SLOTS];
  otp_timer **hash; /* ref -> send_after timer */
  size_t hcap, hcount;
  rusm_ref next_ref;
} otp_wheel;

/* ------------------------------------------------------------- processes */

/* Scheduling state, one atomic word (the BEAM way: transitions are CASes,
** no process lock). */
enum {
  OTP_S_FREE,     /* slot not in use */
  OTP_S_QUEUED,   /* on exactly one run queue */
  OTP_S_RUNNING,  /* on a worker right now */
  OTP_S_NOTIFIED, /* running, and something arrived: run again after it parks */
  OTP_S_WAITING,  /* parked, holds no thread */
  OTP_S_DEAD      /* exited; slot not yet recycled */
};

/* Flags (atomic). */
#define OTP_F_KILLED 1u /* kill/exit/shutdown asked it to end */
#define OTP_F_TRAP 2u   /* trap_exit */
#define OTP_F_REG 4u    /* holds names or tags (registry lock needed at exit) */

/* A process body as the scheduler sees it; the scheduler cannot tell the
** kinds apart. run: one slice (budget in p->reds); release: free the body
** at exit, exactly once, whether it ever ran or not. */
struct otp_proc;
struct otp_worker;
typedef struct otp_body_vt {
  rusm_step (*run)(struct otp_worker *w, struct otp_proc *p, rusm_exit_reason *o_reason);
  void (*release)(struct otp_proc *p);
} otp_body_vt;

extern const otp_body_vt otp_native_vt;    /* fiber.c: rusm_spawn bodies */
extern const otp_body_vt otp_resumable_vt; /* body.c: rusm_spawn_body bodies */
enum { OTP_PARK_NONE, OTP_PARK_WAIT, OTP_PARK_YIELD, OTP_PARK_DONE };

typedef struct otp_vec {
  uint32_t n, cap;
  uint64_t *v; /* pids (links) or ref,pid pairs (monitors: 2 words each) */
} otp_vec;

typedef struct otp_reglist {
  uint32_t n, cap;
  struct {
    char *key; /* owned copy */
    bool tag;
  } * v;
} otp_reglist;

/*
** A process slot. Slots live in chunks that are never freed while the
** runtime lives, so reading a stale slot is safe; `word` decides whether a
** pid still names it:
**   bits 63..32  generation (pid = generation << 32 | slot index)
**   bit  31      alive (cleared first thing at exit: lookups then fail)
**   bits 30..0   references: the process's own life reference plus one per
**                thread currently using it through a pid lookup.
** The slot is recycled when alive is clear and the count reaches zero.
*/
typedef struct otp_proc {
  _Atomic uint64_t word;
  _Atomic uint32_t state;
  _Atomic uint32_t flags;
  _Atomic int32_t staged; /* staged exit reason, -1 = none */
  uint32_t index;
  _Atomic uint32_t free_next; /* slot free list (global overflow only) */
  uint16_t home;              /* worker owning the saved stack (pinned) */

  uint8_t park; /* OTP_PARK_*: why a native fiber switched out */
  bool started, pinned;
  int32_t reds; /* reductions left in this slice */
  rusm_rt *rt;
  const otp_body_vt *vt;
  struct otp_proc *run_next;
  uint64_t qseq; /* enqueue stamp (its worker's qclock) */
  union {
    struct {
      rusm_body_fn fn;
      void *arg;
      void (*arg_free)(void *);
    } n;
    struct {
      const rusm_body_ops *ops;
      void *state;
    } r;
  } body;
  rusm_exit_reason exit_reason;
  /* native fiber: saved stack while parked (see fiber.c) */
  void *sp;
  uint8_t *stack_buf;
  uint32_t stack_len, stack_cap;
  /* mailbox: senders push on inbox (LIFO, lock-free); the owner moves
  ** batches, in order, to the private queue q_head..q_tail and scans it
  ** from scan. */
  _Atomic(otp_node *) inbox;
  otp_node *q_head;
  otp_node **q_tail;
  otp_node **scan;
  rusm_match_fn scan_fn; /* try_receive continuation key */
  void *scan_arg;
  bool scan_keep;
  _Atomic size_t depth;     /* only when depth tracking is on */
  _Atomic uint32_t joiners; /* threads in rusm_rt_join on this process */
  /* receive timeouts and resumable deadlines */
  otp_timer wt;
  bool wt_armed; /* owner-only hint: wt may be in the wheel (skips the lock) */
  uint64_t deadline_ns;
  /* links, monitors and label: under lock */
  otp_lock lock;
  otp_vec links;    /* peer pids */
  otp_vec mons_in;  /* (ref, watcher): who monitors me */
  otp_vec mons_out; /* (ref, target): whom I monitor */
  char *label;
  otp_reglist *reg; /* names and tags: under the registry lock */
  /* stream ends and sockets this process owns, released at its exit
  ** (io_res.c; touched only by the process itself) */
  struct otp_res *res;
  /* resumable fd waits still armed (io_poll.c; under the poller's lock),
  ** dropped at exit so that dead processes leave no waiters behind */
  struct io_waiter *_Atomic io_armed;
#if defined(RUSM_ASAN)
  void *asan_fake;
#endif
#if defined(RUSM_TSAN)
  void *tsan_fiber;
#endif
} otp_proc;

#define OTP_ALIVE (1ull << 31)
#define OTP_REFS (OTP_ALIVE - 1)

#define OTP_CHUNK_SHIFT 12
#define OTP_CHUNK (1u << OTP_CHUNK_SHIFT)
#define OTP_MAX_CHUNKS 4096u /* 16M slots */

/* ------------------------------------------------------------ scheduler */

typedef struct otp_runq {
  otp_lock lock;
  otp_proc *head, *tail;
  _Atomic uint32_t len;
  _Atomic uint64_t head_seq; /* enqueue stamp of head (UINT64_MAX: empty) */
} otp_runq;

#define OTP_FREE_CACHE 256

typedef struct otp_worker {
  rusm_rt *rt;
  unsigned id;
  pthread_t thread;
  otp_runq pinned; /* started native processes: only this worker runs them */
  otp_runq steal;  /* everything else: idle workers take from here */
  _Atomic uint32_t futex;
  _Atomic uint32_t sleeping;
  uint32_t tick;
  _Atomic uint64_t qclock; /* enqueue stamps: FIFO across both queues */
  /* Slices started (written by the owner only), and the thieves' shared
  ** record of how long this worker has been in its current slice: low 16
  ** bits of `slices` << 48 | when a thief first saw that slice, in us. One
  ** word, so a thief never pairs one slice's count with another's time.
  ** They let thieves leave a lone fresh process to its worker for a grace
  ** period (sched.c, stealable()). */
  _Atomic uint64_t slices;
  /* written by thieves, never read by the owner: a line of its own, so a
  ** spinning thief does not take the owner's hot line away each slice */
  _Alignas(64) _Atomic uint64_t grace_mark;
  char grace_pad[64 - sizeof(uint64_t)];
  otp_proc *current;
  /* the shared execution stack */
  void *sched_sp;
  uint8_t *stack_map; /* mmap base (guard page first) */
  size_t stack_map_len;
  uint8_t *stack_lo, *stack_top;
  otp_proc *stack_owner; /* whose frames are on the shared stack now */
  unsigned vg_stack_id;  /* valgrind's id of the shared stack */
  /* counters read by other threads */
  _Atomic uint64_t spawned, finished;
  /* slot cache */
  uint32_t nfree;
  uint32_t free[OTP_FREE_CACHE];
#if defined(RUSM_ASAN)
  void *asan_fake;
  const void *asan_sched_lo;
  size_t asan_sched_size;
#endif
#if defined(RUSM_TSAN)
  void *tsan_sched;
#endif
} __attribute__((aligned(64))) otp_worker;

/* ------------------------------------------------------------- registry */

typedef struct otp_name {
  struct otp_name *next;
  uint64_t hash;
  rusm_pid pid;
  char key[];
} otp_name;

typedef struct otp_tag {
  struct otp_tag *next;
  uint64_t hash;
  rusm_pid *v;
  size_t n, cap;
  char key[];
} otp_tag;

typedef struct otp_registry {
  pthread_mutex_t mu;
  otp_name **names;
  size_t ncap, ncount;
  otp_tag **tags;
  size_t tcap, tcount;
} otp_registry;

/* -------------------------------------------------------------- runtime */

struct rusm_rt {
  rusm_rt_config cfg;
  bool track_depth; /* depth tracking or capacity on */
  unsigned n_workers;
  otp_worker *workers;
  otp_runq injector; /* spawns and wake-ups from non-worker threads */
  _Atomic uint32_t n_spinning, n_sleeping;
  _Atomic bool stopping;
  /* process table */
  _Atomic(otp_proc *) *chunks;
  _Atomic uint32_t n_fresh; /* slots ever handed out */
  pthread_mutex_t chunk_mu;
  pthread_mutex_t free_mu; /* global free list (overflow of worker caches) */
  uint32_t *free_v;
  size_t free_n, free_cap;
  _Atomic size_t free_hint; /* free_n, readable without the mutex */
  /* spawns from non-worker threads (exits always run on a worker) */
  _Atomic uint64_t ext_spawned;
  _Atomic uint64_t dropped;
  _Atomic uint64_t next_ref;
  /* joiners and shutdown */
  pthread_mutex_t join_mu;
  pthread_cond_t join_cv;
  _Atomic uint32_t n_shutdown; /* threads waiting in rusm_rt_shutdown */
  otp_registry reg;
  otp_wheel tw;
  /* logging (read by log.c) */
  _Atomic rusm_log_level log_level;
  void *_Atomic log_sink;
  void *log_priv;            /* for log.c's own state */
  struct otp_io *_Atomic io; /* the epoll poller, started on first use (io_poll.c) */
};

/* The worker running on this thread, if it belongs to rt. */
extern __thread otp_worker *otp_tl_worker;
static inline otp_worker *otp_worker_here(rusm_rt *rt) {
  otp_worker *w = otp_tl_worker;
  return w && w->rt == rt ? w : NULL;
}

/* ------------------------------------------------------------ functions */

/* proc.c */
otp_proc *otp_proc_get(rusm_rt *rt, rusm_pid pid); /* +1 ref or NULL if not alive */
void otp_proc_put(otp_proc *p);                    /* -1 ref; may recycle the slot */
rusm_pid otp_pid(const otp_proc *p);
otp_proc *otp_slot(rusm_rt *rt, uint32_t index); /* NULL past the table */
/* Allocates and fills a slot (alive, not queued); start it with otp_proc_start. */
otp_proc *otp_proc_new(rusm_rt *rt, const otp_body_vt *vt);
void otp_proc_start(otp_proc *p);
/* Full teardown of a process whose body is done; runs on its worker w. */
void otp_proc_exit(struct otp_worker *w, otp_proc *p, rusm_exit_reason reason);
/* Drops everything a slot still owns at rusm_rt_free. */
void otp_proc_table_free(rusm_rt *rt);
bool otp_proc_alive(const otp_proc *p);

/* sched.c */
int otp_sched_start(rusm_rt *rt);
void otp_sched_stop(rusm_rt *rt);
void otp_wake(otp_proc *p);    /* something arrived; caller holds a ref */
void otp_enqueue(otp_proc *p); /* p is QUEUED and on no queue */
void otp_runq_init(otp_runq *q);

/* fiber.c */
int otp_fiber_worker_init(otp_worker *w);
void otp_fiber_worker_fini(otp_worker *w);
void otp_fiber_thread_enter(otp_worker *w); /* on the worker thread, before any switch */
void otp_fiber_park(otp_proc *p, int how);  /* from inside the fiber */
/* The native process running on this thread's fiber, or NULL. */
otp_proc *otp_fiber_current(rusm_rt *rt);

/* mailbox.c */
otp_node *otp_node_new(rusm_item_kind kind, size_t extra);
/* Pushes n into p's mailbox and wakes p; takes n. user: subject to capacity. */
bool otp_mbox_push(otp_proc *p, otp_node *n, bool user);
void otp_mbox_init(otp_proc *p);
void otp_mbox_clear(otp_proc *p); /* frees every item (slot recycling) */
void otp_charge(rusm_rt *rt);     /* one reduction for the calling native body */
bool otp_send_down(rusm_rt *rt, rusm_pid to, rusm_ref ref, rusm_pid from, rusm_exit_reason r);
/* Delivers the read end of a stream (for the stream module); takes reader
** on success only. Never shed by capacity. */
bool otp_send_stream(rusm_rt *rt, rusm_pid to, rusm_stream_reader *reader);

/* signal.c */
bool otp_kill(rusm_rt *rt, rusm_pid pid, rusm_exit_reason reason);
void otp_kill_proc(otp_proc *p, rusm_exit_reason reason); /* ref held */
rusm_exit_reason otp_staged(otp_proc *p);                 /* staged or KILLED */
/* Exit steps 4-5 (monitors, links) for a process whose entry is gone. */
void otp_signal_exit(otp_proc *p, rusm_exit_reason reason, otp_vec *links, otp_vec *mons_in,
                     otp_vec *mons_out);
void otp_vec_free(otp_vec *v);
bool otp_link_new_child(otp_proc *child, rusm_pid parent); /* before child runs */

/* registry.c */
int otp_registry_init(otp_registry *r);
void otp_registry_fini(otp_registry *r);
void otp_registry_release(rusm_rt *rt, otp_proc *p); /* exit: names and tags */
/* Registry names of p copied into a NULL-terminated array (NULL if none). */
char **otp_registry_names(rusm_rt *rt, otp_proc *p, size_t *o_n);

/* timer.c */
int otp_timer_init(rusm_rt *rt);
void otp_timer_fini(rusm_rt *rt);
void otp_timer_arm_wait(rusm_rt *rt, otp_proc *p, uint64_t deadline_ns);
void otp_timer_disarm_wait(rusm_rt *rt, otp_proc *p);

/* rt.c */
void otp_notify_exit(rusm_rt *rt, otp_proc *p); /* wakes p's joiners and shutdown */

/* streams and I/O (io_res.c, io_poll.c, stream.c; declared in io_int.h) */
void otp_res_release_all(otp_proc *p); /* exit: closes owned streams/sockets */
void otp_io_fini(rusm_rt *rt);         /* rt_free: stops the poller */
void otp_stream_received(otp_proc *p, rusm_stream_reader *r); /* receipt: p owns r */

static inline void otp_count_add(_Atomic uint64_t *c) {
  /* single writer per worker: a relaxed load + store, no lock prefix */
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

#endif
