/*
** timer.c: one hierarchical timing wheel per runtime, driven by a thread.
**
** OTP_TW_LEVELS levels of OTP_TW_SLOTS slots; a tick is OTP_TICK_NS. A
** timer sits at the lowest level whose parent bucket it shares with the
** current tick, so it cascades down exactly when its bucket comes up
** (O(1) insert and cancel, amortised O(1) expiry). 6 levels of 64 slots of
** 100 us span 2^36 ticks (79 days); a later deadline waits in the top level
** and cascades again on each lap until it is within reach.
**
** The same timers serve send_after (a prepared mailbox item, found by ref
** through a small hash for cancel), receive timeouts of native bodies and
** rusm_wait_deadline of resumable ones (a timer embedded in the process).
** Firing only pushes an item or wakes a process, from the timer thread, so
** it does not depend on the target's worker. The thread sleeps until the
** next non-empty slot, or indefinitely when no timer is armed.
*/
#include "otp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OTP_TICK_NS 100000ull

static uint64_t tick_of(otp_wheel *tw, uint64_t ns) { /* first tick at or after ns */
  if (ns <= tw->start_ns) return 0;
  return (ns - tw->start_ns + OTP_TICK_NS - 1) / OTP_TICK_NS;
}

static void slot_insert(otp_wheel *tw, otp_timer *t) {
  uint64_t tick = t->tick <= tw->now_tick ? tw->now_tick + 1 : t->tick;
  unsigned level = 0;
  while (level + 1 < OTP_TW_LEVELS &&
         (tick >> (OTP_TW_BITS * (level + 1))) != (tw->now_tick >> (OTP_TW_BITS * (level + 1))))
    level++;
  otp_timer **head = &tw->slots[level][(tick >> (OTP_TW_BITS * level)) & (OTP_TW_SLOTS - 1)];
  t->next = *head;
  if (t->next) t->next->pprev = &t->next;
  t->pprev = head;
  *head = t;
}

static void slot_unlink(otp_timer *t) {
  *t->pprev = t->next;
  if (t->next) t->next->pprev = t->pprev;
  t->next = NULL;
  t->pprev = NULL;
}

/* --------------------------------------------------------------- ref hash */

static otp_timer **hash_slot(otp_wheel *tw, rusm_ref ref) {
  otp_timer **pp = &tw->hash[(ref * 0x9e3779b97f4a7c15ull >> 20) & (tw->hcap - 1)];
  while (*pp && (*pp)->ref != ref) pp = &(*pp)->hnext;
  return pp;
}

static void hash_add(otp_wheel *tw, otp_timer *t) {
  if (tw->hcount >= tw->hcap) {
    size_t ncap = tw->hcap * 2;
    otp_timer **nh = calloc(ncap, sizeof *nh);
    if (nh) {
      otp_timer **old = tw->hash;
      size_t ocap = tw->hcap;
      tw->hash = nh;
      tw->hcap = ncap;
      for (size_t i = 0; i < ocap; i++)
        for (otp_timer *x = old[i], *nx; x; x = nx) {
          nx = x->hnext;
          otp_timer **pp = hash_slot(tw, x->ref);
          x->hnext = NULL;
          *pp = x;
        }
      free(old);
    }
  }
  otp_timer **pp = hash_slot(tw, t->ref);
  t->hnext = NULL;
  *pp = t;
  tw->hcount++;
}

static void hash_del(otp_wheel *tw, otp_timer *t) {
  otp_timer **pp = hash_slot(tw, t->ref);
  if (*pp == t) {
    *pp = t->hnext;
    tw->hcount--;
  }
}

/* --------------------------------------------------------------- the wheel */

/* An empty wheel may lag behind the clock (the thread does not tick while
** nothing is armed); move it up before placing a timer. Under mu. */
static void catch_up(otp_wheel *tw) {
  if (tw->count) return;
  uint64_t now = (rusm_now_ns() - tw->start_ns) / OTP_TICK_NS;
  if (now > tw->now_tick) tw->now_tick = now;
}

static void poke(otp_wheel *tw, uint64_t tick) { /* under mu */
  if (tick < tw->wake_tick) pthread_cond_signal(&tw->cv);
}

/* Advances one tick; expired timers move to *fired (linked by next). */
static void advance(otp_wheel *tw, otp_timer **fired) {
  uint64_t now = ++tw->now_tick;
  for (unsigned level = OTP_TW_LEVELS - 1; level > 0; level--) {
    if (now & ((1ull << (OTP_TW_BITS * level)) - 1)) continue;
    otp_timer **head = &tw->slots[level][(now >> (OTP_TW_BITS * level)) & (OTP_TW_SLOTS - 1)];
    otp_timer *t = *head;
    *head = NULL;
    while (t) {
      otp_timer *nx = t->next;
      t->pprev = NULL;
      slot_insert(tw, t);
      t = nx;
    }
  }
  /* level 0 holds only timers of the current 64-tick lap (slot_insert puts
  ** a later one higher up), so everything in this slot is due now */
  otp_timer **head = &tw->slots[0][now & (OTP_TW_SLOTS - 1)];
  otp_timer *t = *head;
  *head = NULL;
  while (t) {
    otp_timer *nx = t->next;
    t->pprev = NULL;
    tw->count--;
    if (t->ref) hash_del(tw, t);
    t->next = *fired;
    *fired = t;
    t = nx;
  }
}

/* The next tick at which anything happens: a level-0 slot fires or a
** higher-level slot cascades. Empty stretches in between are skipped, so
** a far-off timer costs no periodic wake-ups. UINT64_MAX: wheel empty. */
static uint64_t next_tick(otp_wheel *tw) {
  uint64_t best = UINT64_MAX;
  for (unsigned level = 0; level < OTP_TW_LEVELS; level++) {
    unsigned shift = OTP_TW_BITS * level;
    uint64_t base = tw->now_tick >> shift;
    for (uint64_t k = 1; k <= OTP_TW_SLOTS; k++) {
      if (!tw->slots[level][(base + k) & (OTP_TW_SLOTS - 1)]) continue;
      uint64_t t = (base + k) << shift;
      if (t < best) best = t;
      break;
    }
  }
  return best;
}

static void fire(rusm_rt *rt, otp_timer *t) {
  if (t->ref) { /* send_after */
    otp_proc *p = otp_proc_get(rt, t->pid);
    if (p) {
      otp_mbox_push(p, t->msg, true);
      otp_proc_put(p);
    } else {
      rusm_item_free(&t->msg->item);
    }
    free(t);
  }
}

static void *timer_main(void *arg) {
  rusm_rt *rt = arg;
  otp_wheel *tw = &rt->tw;
  rusm_pid *wake = NULL;
  size_t wake_cap = 0;
  pthread_mutex_lock(&tw->mu);
  while (!tw->stop) {
    uint64_t target = (rusm_now_ns() - tw->start_ns) / OTP_TICK_NS;
    otp_timer *fired = NULL;
    while (tw->now_tick < target && tw->count) {
      uint64_t nt = next_tick(tw);
      if (nt > target) break;
      tw->now_tick = nt - 1; /* nothing happens before nt */
      advance(tw, &fired);
    }
    if (tw->now_tick < target) tw->now_tick = target; /* no slot in between */
    if (fired) {
      /* process wake-ups: the embedded timer belongs to the process, so
      ** note the pid now and look it up after unlocking */
      size_t nw = 0;
      otp_timer *sends = NULL;
      for (otp_timer *t = fired, *nx; t; t = nx) {
        nx = t->next;
        if (t->ref) {
          t->next = sends;
          sends = t;
          continue;
        }
        if (nw == wake_cap) {
          size_t cap = wake_cap ? wake_cap * 2 : 64;
          rusm_pid *v = realloc(wake, cap * sizeof *v);
          if (!v) continue; /* the process's own clock check still ends its wait later */
          wake = v;
          wake_cap = cap;
        }
        wake[nw++] = t->pid;
      }
      pthread_mutex_unlock(&tw->mu);
      for (otp_timer *t = sends, *nx; t; t = nx) nx = t->next, fire(rt, t);
      for (size_t i = 0; i < nw; i++) {
        otp_proc *p = otp_proc_get(rt, wake[i]);
        if (p) {
          otp_wake(p);
          otp_proc_put(p);
        }
      }
      pthread_mutex_lock(&tw->mu);
      continue;
    }
    if (!tw->count) {
      tw->wake_tick = UINT64_MAX;
      pthread_cond_wait(&tw->cv, &tw->mu);
    } else {
      uint64_t nt = next_tick(tw);
      tw->wake_tick = nt;
      uint64_t ns = tw->start_ns + nt * OTP_TICK_NS;
      struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
      pthread_cond_timedwait(&tw->cv, &tw->mu, &ts);
    }
    tw->wake_tick = 0;
  }
  pthread_mutex_unlock(&tw->mu);
  free(wake);
  return NULL;
}

int otp_timer_init(rusm_rt *rt) {
  otp_wheel *tw = &rt->tw;
  memset(tw, 0, sizeof *tw);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  if (pthread_mutex_init(&tw->mu, NULL) != 0) return -1;
  if (pthread_cond_init(&tw->cv, &ca) != 0) return -1;
  pthread_condattr_destroy(&ca);
  tw->hcap = 64;
  tw->hash = calloc(tw->hcap, sizeof *tw->hash);
  if (!tw->hash) return -1;
  tw->start_ns = rusm_now_ns();
  tw->next_ref = 1;
  if (pthread_create(&tw->thread, NULL, timer_main, rt) != 0) return -1;
  tw->running = true;
  return 0;
}

void otp_timer_fini(rusm_rt *rt) {
  otp_wheel *tw = &rt->tw;
  if (tw->running) {
    pthread_mutex_lock(&tw->mu);
    tw->stop = true;
    pthread_cond_signal(&tw->cv);
    pthread_mutex_unlock(&tw->mu);
    pthread_join(tw->thread, NULL);
  }
  for (unsigned l = 0; l < OTP_TW_LEVELS; l++)
    for (unsigned s = 0; s < OTP_TW_SLOTS; s++)
      for (otp_timer *t = tw->slots[l][s], *nx; t; t = nx) {
        nx = t->next;
        if (t->ref) { /* embedded process timers belong to their slots */
          rusm_item_free(&t->msg->item);
          free(t);
        }
      }
  free(tw->hash);
  pthread_cond_destroy(&tw->cv);
  pthread_mutex_destroy(&tw->mu);
}

/* ----------------------------------------------------------------- the API */

rusm_ref rusm_send_after(rusm_rt *rt, rusm_pid pid, uint64_t delay_us, const void *data,
                         size_t len) {
  otp_wheel *tw = &rt->tw;
  otp_timer *t = calloc(1, sizeof *t);
  otp_node *n = otp_node_new(RUSM_ITEM_MESSAGE, len);
  if (!t || !n) {
    free(t);
    free(n);
    return 0;
  }
  n->item.u.msg.data = (uint8_t *)(n + 1);
  n->item.u.msg.len = len;
  if (len) memcpy(n + 1, data, len);
  t->msg = n;
  t->pid = pid;
  uint64_t max_us = (OTP_TICK_NS / 1000) << (OTP_TW_BITS * OTP_TW_LEVELS - 1);
  if (delay_us > max_us) delay_us = max_us;
  pthread_mutex_lock(&tw->mu);
  catch_up(tw);
  t->ref = tw->next_ref++;
  t->tick = tick_of(tw, rusm_now_ns() + delay_us * 1000u);
  slot_insert(tw, t);
  hash_add(tw, t);
  tw->count++;
  poke(tw, t->tick);
  rusm_ref ref = t->ref;
  pthread_mutex_unlock(&tw->mu);
  return ref;
}

bool rusm_cancel_timer(rusm_rt *rt, rusm_ref ref) {
  otp_wheel *tw = &rt->tw;
  if (!ref) return false;
  pthread_mutex_lock(&tw->mu);
  otp_timer *t = *hash_slot(tw, ref);
  if (t) {
    hash_del(tw, t);
    slot_unlink(t);
    tw->count--;
  }
  pthread_mutex_unlock(&tw->mu);
  if (!t) return false;
  rusm_item_free(&t->msg->item);
  free(t);
  return true;
}

/* Arm and disarm run on the process's own thread of control (its body, or
** its exit), so wt_armed needs no synchronisation; it lets the common exit
** and receive paths skip the wheel's mutex when nothing was armed. */
void otp_timer_arm_wait(rusm_rt *rt, otp_proc *p, uint64_t deadline_ns) {
  otp_wheel *tw = &rt->tw;
  p->wt_armed = true;
  pthread_mutex_lock(&tw->mu);
  /* p->wt is not in the wheel: every arm is disarmed (or has fired) before
  ** the next one (receive, fd wait, sleep, or the next resumable step) */
  catch_up(tw);
  p->wt.ref = 0;
  p->wt.pid = otp_pid(p);
  p->wt.tick = tick_of(tw, deadline_ns);
  slot_insert(tw, &p->wt);
  tw->count++;
  poke(tw, p->wt.tick);
  pthread_mutex_unlock(&tw->mu);
}

void otp_timer_disarm_wait(rusm_rt *rt, otp_proc *p) {
  otp_wheel *tw = &rt->tw;
  if (!p->wt_armed) return;
  p->wt_armed = false;
  pthread_mutex_lock(&tw->mu);
  if (p->wt.pprev) {
    slot_unlink(&p->wt);
    tw->count--;
  }
  pthread_mutex_unlock(&tw->mu);
}
