/*
** rt.c: runtime lifecycle (new, shutdown, free), join, and the logging
** switches the core owns (level and sink; log.c does the printing).
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

void rusm_rt_config_default(rusm_rt_config *o_cfg) {
  memset(o_cfg, 0, sizeof *o_cfg);
  o_cfg->reductions = 4000;
}

static unsigned online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

rusm_rt *rusm_rt_new(const rusm_rt_config *cfg) {
  rusm_rt *rt = calloc(1, sizeof *rt);
  if (!rt) return NULL;
  if (cfg)
    rt->cfg = *cfg;
  else
    rusm_rt_config_default(&rt->cfg);
  if (!rt->cfg.reductions) rt->cfg.reductions = 4000;
  if (!rt->cfg.workers) rt->cfg.workers = online_cores();
  if (rt->cfg.workers > 1024) rt->cfg.workers = 1024;
  rt->track_depth = rt->cfg.track_mailbox_depth || rt->cfg.mailbox_capacity;
  rt->n_workers = rt->cfg.workers;
  rt->workers = aligned_alloc(64, sizeof(otp_worker) * rt->n_workers);
  /* zeroed at once: the failure path below reads every worker's stack */
  if (rt->workers) memset(rt->workers, 0, sizeof(otp_worker) * rt->n_workers);
  rt->chunks = calloc(OTP_MAX_CHUNKS, sizeof *rt->chunks);
  if (!rt->workers || !rt->chunks) goto fail;
  otp_runq_init(&rt->injector);
  pthread_mutex_init(&rt->chunk_mu, NULL);
  pthread_mutex_init(&rt->free_mu, NULL);
  pthread_mutex_init(&rt->join_mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&rt->join_cv, &ca);
  pthread_condattr_destroy(&ca);
  atomic_init(&rt->log_level, RUSM_LOG_OFF);
  atomic_init(&rt->log_sink, NULL);
  if (otp_registry_init(&rt->reg) != 0) goto fail;
  if (otp_timer_init(rt) != 0) goto fail_timer; /* a half-made wheel: fini undoes it */
  if (otp_sched_start(rt) != 0) goto fail_timer;
  otp_log_init(rt);
  return rt;
fail_timer:
  otp_timer_fini(rt);
fail:
  for (unsigned i = 0; rt->workers && i < rt->n_workers; i++)
    otp_fiber_worker_fini(&rt->workers[i]);
  otp_registry_fini(&rt->reg);
  free(rt->workers);
  free(rt->chunks);
  free(rt);
  return NULL;
}

/* Only exits somebody waits for pay for the broadcast: a joined process,
** or any process while a shutdown is waiting. */
void otp_notify_exit(rusm_rt *rt, otp_proc *p) {
  if (!atomic_load(&p->joiners) && !atomic_load(&rt->n_shutdown)) return;
  pthread_mutex_lock(&rt->join_mu);
  pthread_cond_broadcast(&rt->join_cv);
  pthread_mutex_unlock(&rt->join_mu);
}

void rusm_rt_join(rusm_rt *rt, rusm_pid pid) {
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return;
  atomic_fetch_add(&p->joiners, 1); /* reset when the slot is reused */
  otp_proc_put(p);
  pthread_mutex_lock(&rt->join_mu);
  while (rusm_is_alive(rt, pid)) pthread_cond_wait(&rt->join_cv, &rt->join_mu);
  pthread_mutex_unlock(&rt->join_mu);
}

/* Kills every live process not yet asked to end; returns how many. */
static size_t kill_all(rusm_rt *rt) {
  size_t n = 0;
  uint32_t slots = atomic_load(&rt->n_fresh);
  for (uint32_t i = 0; i < slots; i++) {
    otp_proc *p = otp_slot(rt, i);
    if (!p) continue; /* chunk still being allocated */
    uint64_t w = atomic_load_explicit(&p->word, memory_order_acquire);
    if (!(w & OTP_ALIVE)) continue;
    otp_proc *q = otp_proc_get(rt, (w & ~(uint64_t)0xffffffffu) | i);
    if (!q) continue;
    if (!(atomic_load(&q->flags) & OTP_F_KILLED)) {
      otp_kill_proc(q, RUSM_EXIT_KILLED);
      n++;
    }
    otp_proc_put(q);
  }
  return n;
}

size_t rusm_rt_shutdown(rusm_rt *rt) {
  size_t n = kill_all(rt);
  atomic_fetch_add(&rt->n_shutdown, 1);
  pthread_mutex_lock(&rt->join_mu);
  while (rusm_process_count(rt) != 0) {
    /* bounded waits: processes spawned while we shut down are killed too */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&rt->join_cv, &rt->join_mu, &ts);
    if (rusm_process_count(rt) != 0) {
      pthread_mutex_unlock(&rt->join_mu);
      n += kill_all(rt);
      pthread_mutex_lock(&rt->join_mu);
    }
  }
  pthread_mutex_unlock(&rt->join_mu);
  atomic_fetch_sub(&rt->n_shutdown, 1);
  return n;
}

void rusm_rt_free(rusm_rt *rt) {
  if (!rt) return;
  rusm_rt_shutdown(rt);
  otp_sched_stop(rt);
  otp_timer_fini(rt);
  otp_io_fini(rt); /* the epoll poller, if streams/TCP ever started it */
  otp_log_fini(rt);
  otp_proc_table_free(rt);
  otp_registry_fini(&rt->reg);
  pthread_mutex_destroy(&rt->chunk_mu);
  pthread_mutex_destroy(&rt->free_mu);
  pthread_mutex_destroy(&rt->join_mu);
  pthread_cond_destroy(&rt->join_cv);
  free(rt->free_v);
  free(rt->workers);
  free((void *)rt->chunks);
  free(rt);
}

void rusm_set_log_level(rusm_rt *rt, rusm_log_level level) {
  atomic_store(&rt->log_level, level);
}

bool rusm_wants_log(rusm_rt *rt, rusm_log_level level) {
  return level != RUSM_LOG_OFF && level <= atomic_load(&rt->log_level);
}

void rusm_set_log_sink(rusm_rt *rt, void *file) {
  atomic_store(&rt->log_sink, file);
}
