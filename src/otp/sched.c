/*
** sched.c: the M:N scheduler.
**
** N workers, each with two FIFO run queues:
**   pinned  started native processes, whose saved frames belong to this
**           worker's shared stack (fiber.c); only the owner pops it;
**   steal   never-started native processes and every resumable body; an
**           idle worker takes half of another worker's steal queue.
** A global injector takes spawns and wake-ups from non-worker threads.
** Every enqueue is stamped from the worker's clock and the owner pops
** whichever queue head is older, so the two queues behave as one FIFO; the
** injector is looked at every 61 slices (as Go does) so it cannot starve.
**
** Process state is one atomic word (otp_int.h: QUEUED / RUNNING / NOTIFIED
** / WAITING): a waker turns WAITING into QUEUED and enqueues, or RUNNING into
** NOTIFIED, which makes the worker re-queue the process instead of parking
** it, so no wake-up is ever lost and a process is never on two queues.
**
** Idle workers spin briefly, then sleep on a futex. Wakers only pay a
** syscall when a worker sleeps and none is spinning (Dekker-style: push,
** full fence, read the counters; the sleeper publishes, fences, re-checks).
*/
#include "otp_int.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OTP_SPIN_ROUNDS 16 /* x 32 pauses: some 20-30 us before sleeping */
#define OTP_INJECT_EVERY 61
#define OTP_STEAL_MAX 128
#define OTP_STEAL_GRACE_US 100 /* see stealable() */

/* A full barrier between publishing work (or "I sleep") and reading the
** other side's flag. TSan does not model fences, so under TSan both sides
** do a seq_cst read-modify-write on one shared word instead, which orders
** them the same way. */
#if defined(RUSM_TSAN)
static _Atomic uint32_t fence_word;
#endif
static inline void full_fence(void) {
#if defined(RUSM_TSAN)
  atomic_fetch_add_explicit(&fence_word, 0, memory_order_seq_cst);
#else
  atomic_thread_fence(memory_order_seq_cst);
#endif
}

void otp_runq_init(otp_runq *q) {
  atomic_init(&q->lock.v, 0);
  q->head = q->tail = NULL;
  atomic_init(&q->len, 0);
  atomic_init(&q->head_seq, UINT64_MAX);
}

/* Appends p, stamped from clock (a worker's qclock; NULL for the injector). */
static void runq_push(otp_runq *q, otp_proc *p, _Atomic uint64_t *clock) {
  p->run_next = NULL;
  p->qseq = clock ? atomic_fetch_add_explicit(clock, 1, memory_order_relaxed) : 0;
  otp_lock_take(&q->lock);
  if (q->tail) {
    q->tail->run_next = p;
  } else {
    q->head = p;
    atomic_store_explicit(&q->head_seq, p->qseq, memory_order_relaxed);
  }
  q->tail = p;
  atomic_store_explicit(&q->len, atomic_load_explicit(&q->len, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  otp_lock_give(&q->lock);
}

static inline bool runq_empty(otp_runq *q) {
  return atomic_load_explicit(&q->len, memory_order_relaxed) == 0;
}

/* Takes up to max processes from the head: returns the first, puts the rest
** on dst's steal queue (dst may be NULL when max == 1). */
static otp_proc *runq_take(otp_runq *q, uint32_t max, otp_worker *dst) {
  if (runq_empty(q)) return NULL;
  otp_lock_take(&q->lock);
  uint32_t len = atomic_load_explicit(&q->len, memory_order_relaxed);
  uint32_t n = len < max ? len : max;
  otp_proc *first = q->head, *last = first;
  if (!first) {
    otp_lock_give(&q->lock);
    return NULL;
  }
  for (uint32_t i = 1; i < n; i++) last = last->run_next;
  q->head = last->run_next;
  if (!q->head) q->tail = NULL;
  atomic_store_explicit(&q->head_seq, q->head ? q->head->qseq : UINT64_MAX, memory_order_relaxed);
  atomic_store_explicit(&q->len, len - n, memory_order_relaxed);
  otp_lock_give(&q->lock);
  last->run_next = NULL;
  otp_proc *rest = first->run_next;
  first->run_next = NULL;
  while (rest) {
    otp_proc *nx = rest->run_next;
    runq_push(&dst->steal, rest, &dst->qclock);
    rest = nx;
  }
  return first;
}

static void futex_wait(_Atomic uint32_t *f, uint32_t val) {
  syscall(SYS_futex, (uint32_t *)f, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *f) {
  syscall(SYS_futex, (uint32_t *)f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static bool wake_worker(rusm_rt *rt, otp_worker *w) {
  uint32_t one = 1;
  if (!atomic_load_explicit(&w->sleeping, memory_order_seq_cst)) return false;
  if (!atomic_compare_exchange_strong(&w->sleeping, &one, 0)) return false;
  atomic_fetch_sub(&rt->n_sleeping, 1);
  atomic_fetch_add(&w->futex, 1);
  futex_wake(&w->futex);
  return true;
}

/* New stealable work exists: make sure some worker will look. */
static void notify_idle(rusm_rt *rt) {
  full_fence();
  if (atomic_load_explicit(&rt->n_spinning, memory_order_relaxed) != 0) return;
  if (atomic_load_explicit(&rt->n_sleeping, memory_order_relaxed) == 0) return;
  for (unsigned i = 0; i < rt->n_workers; i++)
    if (wake_worker(rt, &rt->workers[i])) return;
}

void otp_enqueue(otp_proc *p) {
  rusm_rt *rt = p->rt;
  otp_worker *here = otp_worker_here(rt);
  if (p->pinned) {
    otp_worker *h = &rt->workers[p->home];
    runq_push(&h->pinned, p, &h->qclock);
    if (h != here) {
      full_fence();
      wake_worker(rt, h);
    }
  } else if (here) {
    runq_push(&here->steal, p, &here->qclock);
    notify_idle(rt);
  } else {
    runq_push(&rt->injector, p, NULL);
    notify_idle(rt);
  }
}

void otp_wake(otp_proc *p) {
  uint32_t s = atomic_load_explicit(&p->state, memory_order_acquire);
  for (;;) {
    if (s == OTP_S_WAITING) {
      if (atomic_compare_exchange_weak_explicit(&p->state, &s, OTP_S_QUEUED, memory_order_acq_rel,
                                                memory_order_acquire)) {
        otp_enqueue(p);
        return;
      }
    } else if (s == OTP_S_RUNNING) {
      if (atomic_compare_exchange_weak_explicit(&p->state, &s, OTP_S_NOTIFIED, memory_order_acq_rel,
                                                memory_order_acquire))
        return;
    } else {
      return; /* queued, already notified, or gone */
    }
  }
}

/* ---------------------------------------------------------------- workers */

/* How many of v's stealable processes a thief may take now (0: none yet; then
** *o_wait says whether one is being waited out).
**
** A worker with exactly one process queued most likely just woke or spawned
** it from the process it runs (a send to a partner, a spawn), and will run
** it itself as soon as that process parks. Stealing it splits a chatty pair
** across cores, and for good if it is a native process, which stays on the
** worker of its first slice: a round trip then costs a cross-core wake-up
** instead of a switch (6x slower on a quiet machine, docs/scheduler.md).
** So a thief leaves a lone process alone until its worker has stayed
** OTP_STEAL_GRACE_US in the same slice (a long slice, a blocking call, or a
** worker thread the OS has preempted): Go's rule for its runnext slot, for
** the same reason, with a longer grace since our mistake is permanent (and
** 50 us was too short under TSan). Two or more queued are fair game at once. */
static uint32_t stealable(otp_worker *v, bool *o_wait) {
  uint32_t len = atomic_load_explicit(&v->steal.len, memory_order_relaxed);
  if (len != 1) return len;
  const uint64_t low48 = (UINT64_C(1) << 48) - 1;
  uint64_t sl = atomic_load_explicit(&v->slices, memory_order_relaxed) & 0xffff;
  uint64_t now_us = rusm_now_ns() / 1000 & low48;
  uint64_t mark = atomic_load_explicit(&v->grace_mark, memory_order_relaxed);
  if (mark >> 48 != sl) {
    /* a slice we have not seen: start its clock (racing thieves only restart it) */
    atomic_store_explicit(&v->grace_mark, sl << 48 | now_us, memory_order_relaxed);
  } else if (((now_us - (mark & low48)) & low48) >= OTP_STEAL_GRACE_US) {
    return len;
  }
  *o_wait = true;
  return 0;
}

static otp_proc *steal(otp_worker *w, bool *o_wait) {
  rusm_rt *rt = w->rt;
  for (unsigned k = 1; k < rt->n_workers; k++) {
    otp_worker *v = &rt->workers[(w->id + k) % rt->n_workers];
    uint32_t len = stealable(v, o_wait);
    if (!len) continue;
    uint32_t half = (len + 1) / 2;
    otp_proc *p = runq_take(&v->steal, half < OTP_STEAL_MAX ? half : OTP_STEAL_MAX, w);
    if (p) return p;
  }
  return NULL;
}

/* The owner serves its two queues in enqueue order (one FIFO in effect), so
** a process that yields often gets its turn like everyone else and no more. */
static otp_proc *find_work(otp_worker *w) {
  rusm_rt *rt = w->rt;
  otp_proc *p;
  if (++w->tick % OTP_INJECT_EVERY == 0 && (p = runq_take(&rt->injector, 16, w))) return p;
  uint64_t sp = atomic_load_explicit(&w->pinned.head_seq, memory_order_relaxed);
  uint64_t ss = atomic_load_explicit(&w->steal.head_seq, memory_order_relaxed);
  otp_runq *first = sp <= ss ? &w->pinned : &w->steal;
  otp_runq *second = first == &w->pinned ? &w->steal : &w->pinned;
  if ((p = runq_take(first, 1, NULL)) || (p = runq_take(second, 1, NULL))) return p;
  if ((p = runq_take(&rt->injector, 16, w))) return p;
  bool wait = false;
  return steal(w, &wait);
}

/* Whether w has something to run now; *o_wait is set when a lone process
** elsewhere is being waited out (stealable()), so w must not sleep yet. */
static bool has_work(otp_worker *w, bool *o_wait) {
  rusm_rt *rt = w->rt;
  if (!runq_empty(&w->pinned) || !runq_empty(&w->steal) || !runq_empty(&rt->injector)) return true;
  for (unsigned i = 0; i < rt->n_workers; i++)
    if (&rt->workers[i] != w && stealable(&rt->workers[i], o_wait)) return true;
  return false;
}

static void idle(otp_worker *w) {
  rusm_rt *rt = w->rt;
  atomic_fetch_add(&rt->n_spinning, 1);
  for (int i = 0;; i++) {
    bool wait = false;
    if (has_work(w, &wait) || atomic_load_explicit(&rt->stopping, memory_order_relaxed)) {
      atomic_fetch_sub(&rt->n_spinning, 1);
      notify_idle(rt); /* we stopped spinning: someone else may be needed */
      return;
    }
    if (i >= OTP_SPIN_ROUNDS && !wait) break;
    for (int k = 0; k < 32; k++) otp_cpu_relax();
  }
  atomic_fetch_add(&rt->n_sleeping, 1);
  atomic_store(&w->sleeping, 1);
  atomic_fetch_sub(&rt->n_spinning, 1);
  full_fence();
  uint32_t f = atomic_load(&w->futex);
  bool wait = false;
  if (!has_work(w, &wait) && !wait && !atomic_load(&rt->stopping)) futex_wait(&w->futex, f);
  uint32_t one = 1;
  if (atomic_compare_exchange_strong(&w->sleeping, &one, 0)) atomic_fetch_sub(&rt->n_sleeping, 1);
}

static void run_one(otp_worker *w, otp_proc *p) {
  atomic_store_explicit(&w->slices, atomic_load_explicit(&w->slices, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  atomic_store_explicit(&p->state, OTP_S_RUNNING, memory_order_release);
  p->reds = (int32_t)w->rt->cfg.reductions;
  rusm_exit_reason reason = RUSM_EXIT_NORMAL;
  rusm_step st = p->vt->run(w, p, &reason);
  if (st == RUSM_STEP_EXIT) {
    otp_proc_exit(w, p, reason);
    return;
  }
  uint32_t s = OTP_S_RUNNING;
  if (st == RUSM_STEP_WAIT &&
      atomic_compare_exchange_strong_explicit(&p->state, &s, OTP_S_WAITING, memory_order_acq_rel,
                                              memory_order_acquire))
    return; /* parked; from here on only a waker touches p */
  atomic_store_explicit(&p->state, OTP_S_QUEUED, memory_order_release);
  if (!p->pinned && runq_empty(&w->steal) && runq_empty(&w->pinned)) {
    /* A slice ran out and nothing else waits here: this worker runs p again
    ** at once. Waking an idle worker would only have it steal p, so a
    ** compute-bound guest bounced between workers and kept two cores busy. */
    runq_push(&w->steal, p, &w->qclock);
    return;
  }
  otp_enqueue(p);
}

static void *worker_main(void *arg) {
  otp_worker *w = arg;
  rusm_rt *rt = w->rt;
  otp_fiber_thread_enter(w);
  for (;;) {
    otp_proc *p = find_work(w);
    if (p) {
      run_one(w, p);
      continue;
    }
    if (atomic_load(&rt->stopping)) break;
    idle(w);
  }
  return NULL;
}

int otp_sched_start(rusm_rt *rt) {
  for (unsigned i = 0; i < rt->n_workers; i++) {
    otp_worker *w = &rt->workers[i];
    w->rt = rt;
    w->id = i;
    otp_runq_init(&w->pinned);
    otp_runq_init(&w->steal);
    if (otp_fiber_worker_init(w) != 0) return -1;
  }
  for (unsigned i = 0; i < rt->n_workers; i++) {
    if (pthread_create(&rt->workers[i].thread, NULL, worker_main, &rt->workers[i]) != 0) {
      atomic_store(&rt->stopping, true);
      for (unsigned k = 0; k < i; k++) {
        atomic_fetch_add(&rt->workers[k].futex, 1);
        futex_wake(&rt->workers[k].futex);
        pthread_join(rt->workers[k].thread, NULL);
      }
      return -1;
    }
  }
  return 0;
}

void otp_sched_stop(rusm_rt *rt) {
  atomic_store(&rt->stopping, true);
  for (unsigned i = 0; i < rt->n_workers; i++) {
    otp_worker *w = &rt->workers[i];
    atomic_fetch_add(&w->futex, 1);
    futex_wake(&w->futex);
  }
  for (unsigned i = 0; i < rt->n_workers; i++) pthread_join(rt->workers[i].thread, NULL);
  for (unsigned i = 0; i < rt->n_workers; i++) otp_fiber_worker_fini(&rt->workers[i]);
}
