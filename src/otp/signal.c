/*
** signal.c: kill and exit, links, monitors, trap_exit.
**
** Links and monitors are small vectors inside each process, guarded by the
** process's spin lock; two processes are always locked in slot order. A
** process's entry is removed (alive cleared) under its own lock, so a link
** or monitor either lands before the exit takes the vectors or sees the
** process dead. Kill is not a mailbox item: it sets a flag and a staged
** reason (the first one wins) and wakes the process; Down and Exit are
** mailbox items (mailbox.c).
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- vecs */

void otp_vec_free(otp_vec *v) {
  free(v->v);
  memset(v, 0, sizeof *v);
}

static bool vec_push(otp_vec *v, uint64_t a, uint64_t b, int width) {
  if (v->n + (uint32_t)width > v->cap) {
    uint32_t cap = v->cap ? v->cap * 2 : 4;
    uint64_t *nv = realloc(v->v, cap * sizeof *nv);
    if (!nv) return false;
    v->v = nv;
    v->cap = cap;
  }
  v->v[v->n++] = a;
  if (width == 2) v->v[v->n++] = b;
  return true;
}

/* Removes the first entry whose word `at` (0 or 1) equals key; width 1 or 2. */
static bool vec_remove(otp_vec *v, uint64_t key, int width, int at) {
  for (uint32_t i = 0; i < v->n; i += (uint32_t)width) {
    if (v->v[i + (uint32_t)at] != key) continue;
    uint32_t last = v->n - (uint32_t)width;
    for (int k = 0; k < width; k++) v->v[i + (uint32_t)k] = v->v[last + (uint32_t)k];
    v->n = last;
    return true;
  }
  return false;
}

static bool vec_has(const otp_vec *v, uint64_t key) {
  for (uint32_t i = 0; i < v->n; i++)
    if (v->v[i] == key) return true;
  return false;
}

static void lock2(otp_proc *a, otp_proc *b) {
  if (a->index < b->index) {
    otp_lock_take(&a->lock);
    otp_lock_take(&b->lock);
  } else {
    otp_lock_take(&b->lock);
    otp_lock_take(&a->lock);
  }
}

static void unlock2(otp_proc *a, otp_proc *b) {
  otp_lock_give(&a->lock);
  otp_lock_give(&b->lock);
}

/* ------------------------------------------------------------- kill/exit */

rusm_exit_reason otp_staged(otp_proc *p) {
  int32_t s = atomic_load_explicit(&p->staged, memory_order_acquire);
  return s < 0 ? RUSM_EXIT_KILLED : (rusm_exit_reason)s;
}

void otp_kill_proc(otp_proc *p, rusm_exit_reason reason) {
  int32_t none = -1;
  atomic_compare_exchange_strong(&p->staged, &none, (int32_t)reason);
  atomic_fetch_or(&p->flags, OTP_F_KILLED);
  otp_wake(p);
}

bool otp_kill(rusm_rt *rt, rusm_pid pid, rusm_exit_reason reason) {
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return false;
  otp_kill_proc(p, reason);
  otp_proc_put(p);
  return true;
}

bool rusm_kill(rusm_rt *rt, rusm_pid pid) {
  return otp_kill(rt, pid, RUSM_EXIT_KILLED);
}

bool rusm_exit(rusm_rt *rt, rusm_pid pid, rusm_exit_reason reason) {
  return otp_kill(rt, pid, reason);
}

bool rusm_set_trap_exit(rusm_rt *rt, rusm_pid pid, bool on) {
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return false;
  if (on)
    atomic_fetch_or(&p->flags, OTP_F_TRAP);
  else
    atomic_fetch_and(&p->flags, ~OTP_F_TRAP);
  otp_proc_put(p);
  return true;
}

/* ---------------------------------------------------------------- links */

bool rusm_link(rusm_rt *rt, rusm_pid a, rusm_pid b) {
  if (a == b) return false;
  otp_proc *pa = otp_proc_get(rt, a);
  if (!pa) return false;
  otp_proc *pb = otp_proc_get(rt, b);
  if (!pb) {
    otp_proc_put(pa);
    return false;
  }
  lock2(pa, pb);
  bool ok = otp_proc_alive(pa) && otp_proc_alive(pb);
  if (ok && !vec_has(&pa->links, b)) {
    ok = vec_push(&pa->links, b, 0, 1);
    if (ok && !vec_push(&pb->links, a, 0, 1)) {
      vec_remove(&pa->links, b, 1, 0); /* never a half link */
      ok = false;
    }
  }
  unlock2(pa, pb);
  otp_proc_put(pb);
  otp_proc_put(pa);
  return ok;
}

bool rusm_unlink(rusm_rt *rt, rusm_pid a, rusm_pid b) {
  otp_proc *pa = otp_proc_get(rt, a);
  otp_proc *pb = otp_proc_get(rt, b);
  bool found = false;
  if (pa && pb && pa != pb) {
    lock2(pa, pb);
    found = vec_remove(&pa->links, b, 1, 0);
    vec_remove(&pb->links, a, 1, 0);
    unlock2(pa, pb);
  } else if (pa) { /* b is gone: drop a's half if it is still there */
    otp_lock_take(&pa->lock);
    found = vec_remove(&pa->links, b, 1, 0);
    otp_lock_give(&pa->lock);
  } else if (pb) {
    otp_lock_take(&pb->lock);
    found = vec_remove(&pb->links, a, 1, 0);
    otp_lock_give(&pb->lock);
  }
  if (pb) otp_proc_put(pb);
  if (pa) otp_proc_put(pa);
  return found;
}

bool otp_link_new_child(otp_proc *child, rusm_pid parent) {
  rusm_rt *rt = child->rt;
  otp_proc *pp = otp_proc_get(rt, parent);
  bool ok = false;
  if (pp) {
    lock2(pp, child);
    if (otp_proc_alive(pp) && vec_push(&pp->links, otp_pid(child), 0, 1)) {
      ok = vec_push(&child->links, parent, 0, 1);
      if (!ok) vec_remove(&pp->links, otp_pid(child), 1, 0);
    }
    unlock2(pp, child);
    otp_proc_put(pp);
  }
  /* a dead parent: what a live link to it would have done when it died */
  if (!ok) otp_kill_proc(child, RUSM_EXIT_NOPROC);
  return ok;
}

/* ------------------------------------------------------------- monitors */

rusm_ref rusm_monitor(rusm_rt *rt, rusm_pid watcher, rusm_pid target) {
  rusm_ref ref = atomic_fetch_add(&rt->next_ref, 1);
  otp_proc *pw = otp_proc_get(rt, watcher);
  if (!pw) return ref; /* nobody to tell */
  otp_proc *pt = watcher == target ? NULL : otp_proc_get(rt, target);
  bool ok = false;
  if (pt) {
    lock2(pw, pt);
    if (otp_proc_alive(pt) && otp_proc_alive(pw) && vec_push(&pt->mons_in, ref, watcher, 2)) {
      ok = vec_push(&pw->mons_out, ref, target, 2);
      if (!ok) vec_remove(&pt->mons_in, ref, 2, 0);
    }
    unlock2(pw, pt);
    otp_proc_put(pt);
  }
  /* monitoring oneself never fires (as in Erlang, where it is a no-op) */
  if (!ok && watcher != target) otp_send_down(rt, watcher, ref, target, RUSM_EXIT_NOPROC);
  otp_proc_put(pw);
  return ref;
}

bool rusm_demonitor(rusm_rt *rt, rusm_pid watcher, rusm_ref ref) {
  otp_proc *pw = otp_proc_get(rt, watcher);
  if (!pw) return false;
  rusm_pid target = RUSM_PID_NONE;
  otp_lock_take(&pw->lock);
  for (uint32_t i = 0; i < pw->mons_out.n; i += 2)
    if (pw->mons_out.v[i] == ref) target = pw->mons_out.v[i + 1];
  bool found = vec_remove(&pw->mons_out, ref, 2, 0);
  otp_lock_give(&pw->lock);
  otp_proc_put(pw);
  if (!found) return false;
  otp_proc *pt = otp_proc_get(rt, target);
  if (pt) {
    otp_lock_take(&pt->lock);
    vec_remove(&pt->mons_in, ref, 2, 0);
    otp_lock_give(&pt->lock);
    otp_proc_put(pt);
  }
  return true;
}

/* ---------------------------------------------------------------- exit */

void otp_signal_exit(otp_proc *p, rusm_exit_reason reason, otp_vec *links, otp_vec *mons_in,
                     otp_vec *mons_out) {
  rusm_rt *rt = p->rt;
  rusm_pid self = otp_pid(p);
  /* Down to every monitor; drop the watcher's record of it */
  for (uint32_t i = 0; i < mons_in->n; i += 2) {
    rusm_ref ref = mons_in->v[i];
    otp_proc *w = otp_proc_get(rt, mons_in->v[i + 1]);
    if (!w) continue;
    otp_lock_take(&w->lock);
    vec_remove(&w->mons_out, ref, 2, 0);
    otp_lock_give(&w->lock);
    otp_node *n = otp_node_new(RUSM_ITEM_DOWN, 0);
    if (n) {
      n->item.u.down.ref = ref;
      n->item.u.down.pid = self;
      n->item.u.down.reason = reason;
      otp_mbox_push(w, n, false);
    }
    otp_proc_put(w);
  }
  /* monitors this process held on others are void now */
  for (uint32_t i = 0; i < mons_out->n; i += 2) {
    otp_proc *t = otp_proc_get(rt, mons_out->v[i + 1]);
    if (!t) continue;
    otp_lock_take(&t->lock);
    vec_remove(&t->mons_in, mons_out->v[i], 2, 0);
    otp_lock_give(&t->lock);
    otp_proc_put(t);
  }
  /* links: trapping peers get Exit for every reason, others die of an
  ** abnormal one (the cascade keeps the reason) */
  for (uint32_t i = 0; i < links->n; i++) {
    otp_proc *q = otp_proc_get(rt, links->v[i]);
    if (!q) continue;
    otp_lock_take(&q->lock);
    bool linked = vec_remove(&q->links, self, 1, 0);
    otp_lock_give(&q->lock);
    if (linked) {
      if (atomic_load(&q->flags) & OTP_F_TRAP) {
        otp_node *n = otp_node_new(RUSM_ITEM_EXIT, 0);
        if (n) {
          n->item.u.exit.from = self;
          n->item.u.exit.reason = reason;
          otp_mbox_push(q, n, false);
        }
      } else if (reason != RUSM_EXIT_NORMAL) {
        otp_kill_proc(q, reason);
      }
    }
    otp_proc_put(q);
  }
  otp_vec_free(links);
  otp_vec_free(mons_in);
  otp_vec_free(mons_out);
}
