/*
** proc.c: the process table, spawning, and the exit teardown.
**
** Slots come in chunks of OTP_CHUNK that stay allocated until rusm_rt_free,
** found by index through a fixed directory, so lookups take no lock: a pid
** lookup bumps the reference count inside the slot's word with one CAS that
** also checks the generation and the alive bit (otp_int.h). A stale pid
** therefore never reaches a newer process, and a slot is recycled only
** after the last thread using it has let go.
**
** Free slots are cached per worker (no shared cache line on the spawn and
** exit paths) and overflow in batches to a global list.
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

rusm_pid otp_pid(const otp_proc *p) {
  uint64_t w = atomic_load_explicit(&((otp_proc *)p)->word, memory_order_relaxed);
  return (w & ~(uint64_t)0xffffffffu) | p->index;
}

bool otp_proc_alive(const otp_proc *p) {
  return atomic_load_explicit(&((otp_proc *)p)->word, memory_order_acquire) & OTP_ALIVE;
}

otp_proc *otp_slot(rusm_rt *rt, uint32_t index) {
  uint32_t c = index >> OTP_CHUNK_SHIFT;
  if (c >= OTP_MAX_CHUNKS) return NULL;
  otp_proc *chunk = atomic_load_explicit(&rt->chunks[c], memory_order_acquire);
  return chunk ? &chunk[index & (OTP_CHUNK - 1)] : NULL;
}

otp_proc *otp_proc_get(rusm_rt *rt, rusm_pid pid) {
  if (pid == RUSM_PID_NONE) return NULL;
  otp_proc *p = otp_slot(rt, (uint32_t)pid);
  if (!p) return NULL;
  uint64_t w = atomic_load_explicit(&p->word, memory_order_acquire);
  for (;;) {
    if ((w >> 32) != (pid >> 32) || !(w & OTP_ALIVE)) return NULL;
    if (atomic_compare_exchange_weak_explicit(&p->word, &w, w + 1, memory_order_acquire,
                                              memory_order_acquire))
      return p;
  }
}

/* ----------------------------------------------------------------- slots */

static bool chunk_ensure(rusm_rt *rt, uint32_t c) {
  if (atomic_load_explicit(&rt->chunks[c], memory_order_acquire)) return true;
  pthread_mutex_lock(&rt->chunk_mu);
  bool ok = true;
  if (!atomic_load_explicit(&rt->chunks[c], memory_order_relaxed)) {
    otp_proc *chunk = calloc(OTP_CHUNK, sizeof *chunk);
    if (chunk) {
      for (uint32_t i = 0; i < OTP_CHUNK; i++) chunk[i].index = (c << OTP_CHUNK_SHIFT) | i;
      atomic_store_explicit(&rt->chunks[c], chunk, memory_order_release);
    } else {
      ok = false;
    }
  }
  pthread_mutex_unlock(&rt->chunk_mu);
  return ok;
}

static otp_proc *slot_fresh(rusm_rt *rt) {
  uint32_t idx = atomic_fetch_add(&rt->n_fresh, 1);
  if ((idx >> OTP_CHUNK_SHIFT) >= OTP_MAX_CHUNKS || !chunk_ensure(rt, idx >> OTP_CHUNK_SHIFT)) {
    atomic_fetch_sub(&rt->n_fresh, 1);
    return NULL;
  }
  return otp_slot(rt, idx);
}

static otp_proc *slot_alloc(rusm_rt *rt) {
  otp_worker *w = otp_worker_here(rt);
  if (w && w->nfree) return otp_slot(rt, w->free[--w->nfree]);
  /* nothing in the global list: take a fresh slot without the mutex */
  if (!atomic_load_explicit(&rt->free_hint, memory_order_relaxed)) return slot_fresh(rt);
  /* a worker refills its cache with a batch, another thread takes one; the
  ** list may have been emptied since the hint was read: then a fresh slot */
  otp_proc *p = NULL;
  pthread_mutex_lock(&rt->free_mu);
  size_t n = w ? (rt->free_n < OTP_FREE_CACHE / 2 ? rt->free_n : OTP_FREE_CACHE / 2)
               : (rt->free_n ? 1 : 0);
  rt->free_n -= n;
  atomic_store_explicit(&rt->free_hint, rt->free_n, memory_order_relaxed);
  if (n && w) {
    memcpy(w->free, rt->free_v + rt->free_n, n * sizeof(uint32_t));
    w->nfree = (uint32_t)n - 1;
    p = otp_slot(rt, w->free[w->nfree]);
  } else if (n) {
    p = otp_slot(rt, rt->free_v[rt->free_n]);
  }
  pthread_mutex_unlock(&rt->free_mu);
  return p ? p : slot_fresh(rt);
}

static void free_push_global(rusm_rt *rt, const uint32_t *idx, size_t n) {
  pthread_mutex_lock(&rt->free_mu);
  if (rt->free_n + n > rt->free_cap) {
    size_t cap = rt->free_cap ? rt->free_cap * 2 : 1024;
    while (cap < rt->free_n + n) cap *= 2;
    uint32_t *v = realloc(rt->free_v, cap * sizeof *v);
    if (!v) { /* the slots stay unused; a leak of table space, not of memory */
      pthread_mutex_unlock(&rt->free_mu);
      return;
    }
    rt->free_v = v;
    rt->free_cap = cap;
  }
  memcpy(rt->free_v + rt->free_n, idx, n * sizeof *idx);
  rt->free_n += n;
  atomic_store_explicit(&rt->free_hint, rt->free_n, memory_order_relaxed);
  pthread_mutex_unlock(&rt->free_mu);
}

static void slot_free(rusm_rt *rt, otp_proc *p) {
  otp_worker *w = otp_worker_here(rt);
  if (!w) {
    free_push_global(rt, &p->index, 1);
    return;
  }
  if (w->nfree == OTP_FREE_CACHE) {
    w->nfree -= OTP_FREE_CACHE / 2;
    free_push_global(rt, w->free + w->nfree, OTP_FREE_CACHE / 2);
  }
  w->free[w->nfree++] = p->index;
}

/* The last reference is gone and the process is dead: reset and recycle. */
static void proc_recycle(otp_proc *p) {
  rusm_rt *rt = p->rt;
  otp_mbox_clear(p); /* the label went at exit: set_label cannot land after it */
  atomic_store_explicit(&p->state, OTP_S_FREE, memory_order_relaxed);
  uint64_t w = atomic_load_explicit(&p->word, memory_order_relaxed);
  atomic_store_explicit(&p->word, ((w >> 32) + 1) << 32, memory_order_release);
  slot_free(rt, p);
}

void otp_proc_put(otp_proc *p) {
  uint64_t w = atomic_fetch_sub_explicit(&p->word, 1, memory_order_acq_rel);
  if ((w & (OTP_ALIVE | OTP_REFS)) == 1) proc_recycle(p);
}

/* ---------------------------------------------------------------- spawn */

otp_proc *otp_proc_new(rusm_rt *rt, const otp_body_vt *vt) {
  otp_proc *p = slot_alloc(rt);
  if (!p) return NULL;
  p->rt = rt;
  p->vt = vt;
  p->park = OTP_PARK_NONE;
  p->started = p->pinned = false;
  p->home = 0;
  atomic_store_explicit(&p->flags, 0, memory_order_relaxed);
  atomic_store_explicit(&p->staged, -1, memory_order_relaxed);
  atomic_store_explicit(&p->state, OTP_S_QUEUED, memory_order_relaxed);
  p->run_next = NULL;
  p->exit_reason = RUSM_EXIT_NORMAL;
  p->sp = NULL;
  p->stack_len = 0;
  otp_mbox_init(p);
  p->wt.pprev = NULL;
  p->wt_armed = false;
  atomic_store_explicit(&p->joiners, 0, memory_order_relaxed);
  p->wt.ref = 0;
  p->deadline_ns = 0;
  atomic_store_explicit(&p->lock.v, 0, memory_order_relaxed);
  p->label = NULL;
  p->reg = NULL;
  p->res = NULL;
#if defined(RUSM_ASAN)
  p->asan_fake = NULL;
#endif
  uint64_t w = atomic_load_explicit(&p->word, memory_order_relaxed);
  /* alive with one reference: the process's own, dropped at exit */
  atomic_store_explicit(&p->word, (w & ~(uint64_t)0xffffffffu) | OTP_ALIVE | 1,
                        memory_order_release);
  otp_worker *here = otp_worker_here(rt);
  if (here)
    otp_count_add(&here->spawned);
  else
    atomic_fetch_add_explicit(&rt->ext_spawned, 1, memory_order_relaxed);
  return p;
}

void otp_proc_start(otp_proc *p) {
  otp_enqueue(p);
}

rusm_pid rusm_spawn(rusm_rt *rt, rusm_body_fn body, void *arg, void (*arg_free)(void *)) {
  otp_proc *p = body ? otp_proc_new(rt, &otp_native_vt) : NULL;
  if (!p) {
    if (arg_free) arg_free(arg);
    return RUSM_PID_NONE;
  }
  p->body.n.fn = body;
  p->body.n.arg = arg;
  p->body.n.arg_free = arg_free;
  rusm_pid pid = otp_pid(p);
  otp_proc_start(p);
  otp_charge(rt);
  return pid;
}

rusm_pid rusm_spawn_link(rusm_rt *rt, rusm_pid parent, rusm_body_fn body, void *arg,
                         void (*arg_free)(void *)) {
  otp_proc *p = body ? otp_proc_new(rt, &otp_native_vt) : NULL;
  if (!p) {
    if (arg_free) arg_free(arg);
    return RUSM_PID_NONE;
  }
  p->body.n.fn = body;
  p->body.n.arg = arg;
  p->body.n.arg_free = arg_free;
  rusm_pid pid = otp_pid(p);
  otp_link_new_child(p, parent);
  otp_proc_start(p);
  otp_charge(rt);
  return pid;
}

rusm_pid rusm_spawn_body_labelled(rusm_rt *rt, const rusm_body_ops *ops, void *state,
                                  const char *label) {
  char *copy = label ? strdup(label) : NULL;
  otp_proc *p = ops && ops->resume && (copy || !label) ? otp_proc_new(rt, &otp_resumable_vt) : NULL;
  if (!p) {
    free(copy);
    if (ops && ops->destroy) ops->destroy(state);
    return RUSM_PID_NONE;
  }
  p->label = copy;
  p->body.r.ops = ops;
  p->body.r.state = state;
  rusm_pid pid = otp_pid(p);
  otp_proc_start(p);
  otp_charge(rt);
  return pid;
}

rusm_pid rusm_spawn_body(rusm_rt *rt, const rusm_body_ops *ops, void *state) {
  return rusm_spawn_body_labelled(rt, ops, state, NULL);
}

/* ----------------------------------------------------------------- exit */

/*
** Reference 1.6, in order: remove the entry (alive off: lookups fail), count
** finished, release names and tags, Down to every monitor, then the links.
** The body is released first so that its resources are gone before anyone
** learns of the death (Erlang sends exit signals after releasing too).
*/
void otp_proc_exit(otp_worker *w, otp_proc *p, rusm_exit_reason reason) {
  rusm_rt *rt = p->rt;
  rusm_pid pid = otp_pid(p);
  p->vt->release(p);
  otp_res_release_all(p); /* owned stream ends and sockets (io_res.c) */
  otp_timer_disarm_wait(rt, p);

  otp_lock_take(&p->lock);
  atomic_fetch_and_explicit(&p->word, ~OTP_ALIVE, memory_order_seq_cst);
  otp_vec links = p->links, mons_in = p->mons_in, mons_out = p->mons_out;
  memset(&p->links, 0, sizeof p->links);
  memset(&p->mons_in, 0, sizeof p->mons_in);
  memset(&p->mons_out, 0, sizeof p->mons_out);
  bool reg = atomic_load_explicit(&p->flags, memory_order_relaxed) & OTP_F_REG;
  char *label = p->label; /* taken: a racing set_label cannot free it now */
  p->label = NULL;
  otp_lock_give(&p->lock);
  atomic_store_explicit(&p->state, OTP_S_DEAD, memory_order_release);

  otp_count_add(&w->finished);

  if (reg) otp_registry_release(rt, p);
  if (links.v || mons_in.v || mons_out.v) otp_signal_exit(p, reason, &links, &mons_in, &mons_out);
  if (label) {
    otp_log_exit(rt, pid, label, reason);
    free(label);
  }
  otp_notify_exit(rt, p);
  otp_proc_put(p); /* the life reference */
}

void otp_proc_table_free(rusm_rt *rt) {
  for (uint32_t c = 0; c < OTP_MAX_CHUNKS; c++) {
    otp_proc *chunk = atomic_load(&rt->chunks[c]);
    if (!chunk) break;
    for (uint32_t i = 0; i < OTP_CHUNK; i++) {
      otp_proc *p = &chunk[i];
      if (p->rt) otp_mbox_clear(p);
      free(p->stack_buf);
      free(p->label);
      otp_vec_free(&p->links);
      otp_vec_free(&p->mons_in);
      otp_vec_free(&p->mons_out);
      /* p->reg is NULL here: every process has exited, releasing its names */
    }
    free(chunk);
  }
}
