/*
** info.c: counters and introspection (reference 1.5 and 1.6).
**
** Counters are per worker (one writer each, no shared cache line on the
** spawn/exit paths) plus one atomic for spawns from non-worker threads
** (exits always run on a worker); readers sum them, so a snapshot is
** best-effort while processes come and go.
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>

uint64_t rusm_spawned(rusm_rt *rt) {
  uint64_t n = atomic_load_explicit(&rt->ext_spawned, memory_order_relaxed);
  for (unsigned i = 0; i < rt->n_workers; i++)
    n += atomic_load_explicit(&rt->workers[i].spawned, memory_order_relaxed);
  return n;
}

uint64_t rusm_finished(rusm_rt *rt) {
  uint64_t n = 0;
  for (unsigned i = 0; i < rt->n_workers; i++)
    n += atomic_load_explicit(&rt->workers[i].finished, memory_order_relaxed);
  return n;
}

size_t rusm_process_count(rusm_rt *rt) {
  /* finished first: a process counted there was counted in spawned before */
  uint64_t f = rusm_finished(rt);
  uint64_t s = rusm_spawned(rt);
  return s > f ? (size_t)(s - f) : 0;
}

uint64_t rusm_dropped_messages(rusm_rt *rt) {
  return atomic_load_explicit(&rt->dropped, memory_order_relaxed);
}

bool rusm_is_alive(rusm_rt *rt, rusm_pid pid) {
  if (pid == RUSM_PID_NONE) return false;
  otp_proc *p = otp_slot(rt, (uint32_t)pid);
  if (!p) return false;
  uint64_t w = atomic_load_explicit(&p->word, memory_order_acquire);
  return (w >> 32) == (pid >> 32) && (w & OTP_ALIVE);
}

size_t rusm_list(rusm_rt *rt, rusm_pid *o_pids, size_t cap) {
  size_t live = 0;
  uint32_t n = atomic_load(&rt->n_fresh);
  for (uint32_t i = 0; i < n; i++) {
    otp_proc *p = otp_slot(rt, i);
    if (!p) continue; /* chunk still being allocated */
    uint64_t w = atomic_load_explicit(&p->word, memory_order_acquire);
    if (!(w & OTP_ALIVE)) continue;
    if (o_pids && live < cap) o_pids[live] = (w & ~(uint64_t)0xffffffffu) | i;
    live++;
  }
  return live;
}

bool rusm_get_info(rusm_rt *rt, rusm_pid pid, rusm_info *o_info) {
  memset(o_info, 0, sizeof *o_info);
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return false;
  o_info->pid = pid;
  otp_lock_take(&p->lock);
  o_info->links = p->links.n;
  o_info->monitors = p->mons_in.n / 2;
  o_info->label = p->label ? strdup(p->label) : NULL;
  otp_lock_give(&p->lock);
  o_info->trap_exit = atomic_load(&p->flags) & OTP_F_TRAP;
  o_info->mailbox_depth = rt->track_depth ? atomic_load(&p->depth) : 0;
  o_info->names = otp_registry_names(rt, p, &o_info->n_names);
  otp_proc_put(p);
  return true;
}

void rusm_info_clear(rusm_info *info) {
  if (!info) return;
  for (size_t i = 0; info->names && info->names[i]; i++) free(info->names[i]);
  free(info->names);
  free(info->label);
  memset(info, 0, sizeof *info);
}

bool rusm_set_label(rusm_rt *rt, rusm_pid pid, const char *label) {
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return false;
  char *copy = label ? strdup(label) : NULL;
  bool ok = !label || copy;
  if (ok) {
    /* an exit has taken the label already once alive is clear (under the
    ** same lock): a label stored after that would never be freed */
    otp_lock_take(&p->lock);
    ok = otp_proc_alive(p);
    char *old = ok ? p->label : copy;
    if (ok) p->label = copy;
    otp_lock_give(&p->lock);
    free(old);
  }
  otp_proc_put(p);
  return ok;
}
