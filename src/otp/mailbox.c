/*
** mailbox.c: items, sending, and (selective) receive.
**
** A mailbox has two parts. Senders push onto `inbox`, a lock-free LIFO
** stack (one CAS; they never touch the receiver's private state). The
** receiver takes the whole stack with one exchange, reverses it and appends
** it, in arrival order, to its private FIFO q_head..q_tail. Selective
** receive scans the private FIFO from a saved position `scan` (a pointer to
** the link to look at next) and unlinks the first match in place, so order
** never changes and items are never copied.
**
** The scan position is what keeps a receive from rescanning: within one
** rusm_receive_match call it survives every wait; rusm_try_receive keeps it
** across calls (resumable bodies poll) while the same (match, arg) pair
** finds nothing, until rusm_receive_rewind.
**
** Down, Exit and Stream items travel the same way. Depth is counted only
** when tracking or a capacity is configured; the capacity sheds user
** messages only.
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void (*_Atomic otp_stream_release)(rusm_stream_reader *reader);

static const char *const exit_names[] = {
#define X(n, s) s,
    RUSM_EXIT_REASONS(X)
#undef X
};

const char *rusm_exit_reason_name(rusm_exit_reason r) {
  return (unsigned)r < sizeof exit_names / sizeof *exit_names ? exit_names[r] : "?";
}

uint64_t rusm_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

otp_node *otp_node_new(rusm_item_kind kind, size_t extra) {
  otp_node *n = malloc(sizeof *n + extra);
  if (!n) return NULL;
  n->next = NULL;
  n->flags = 0;
  memset(&n->item, 0, sizeof n->item);
  n->item.kind = kind;
  return n;
}

void rusm_item_free(rusm_item *item) {
  if (!item) return;
  otp_node *n = (otp_node *)((char *)item - offsetof(otp_node, item));
  if (item->kind == RUSM_ITEM_STREAM && item->u.stream) {
    void (*rel)(rusm_stream_reader *) = atomic_load(&otp_stream_release);
    if (rel) rel(item->u.stream);
  } else if (item->kind == RUSM_ITEM_MESSAGE && (n->flags & OTP_NODE_EXTERNAL)) {
    free(item->u.msg.data);
  }
  free(n);
}

void otp_mbox_init(otp_proc *p) {
  atomic_store_explicit(&p->inbox, NULL, memory_order_relaxed);
  p->q_head = NULL;
  p->q_tail = &p->q_head;
  p->scan = &p->q_head;
  p->scan_fn = NULL;
  p->scan_arg = NULL;
  p->scan_keep = false;
  atomic_store_explicit(&p->depth, 0, memory_order_relaxed);
}

void otp_mbox_clear(otp_proc *p) {
  /* empty (the usual case at exit): otp_proc_new re-initialises anyway */
  if (!p->q_head && !atomic_load_explicit(&p->inbox, memory_order_acquire)) return;
  otp_node *n = atomic_exchange_explicit(&p->inbox, NULL, memory_order_acquire);
  while (n) {
    otp_node *nx = n->next;
    rusm_item_free(&n->item);
    n = nx;
  }
  for (n = p->q_head; n;) {
    otp_node *nx = n->next;
    rusm_item_free(&n->item);
    n = nx;
  }
  otp_mbox_init(p);
}

bool otp_mbox_push(otp_proc *p, otp_node *n, bool user) {
  rusm_rt *rt = p->rt;
  if (rt->track_depth) {
    size_t d = atomic_fetch_add_explicit(&p->depth, 1, memory_order_relaxed);
    if (user && rt->cfg.mailbox_capacity && d >= rt->cfg.mailbox_capacity) {
      atomic_fetch_sub_explicit(&p->depth, 1, memory_order_relaxed);
      atomic_fetch_add_explicit(&rt->dropped, 1, memory_order_relaxed);
      rusm_item_free(&n->item);
      return false;
    }
  }
  otp_node *h = atomic_load_explicit(&p->inbox, memory_order_relaxed);
  do n->next = h;
  while (!atomic_compare_exchange_weak_explicit(&p->inbox, &h, n, memory_order_release,
                                                memory_order_relaxed));
  otp_wake(p);
  return true;
}

/* Moves everything senders pushed to the end of the private FIFO. */
static bool drain(otp_proc *p) {
  otp_node *h = atomic_exchange_explicit(&p->inbox, NULL, memory_order_acquire);
  if (!h) return false;
  otp_node *first = NULL, *last = h;
  while (h) {
    otp_node *nx = h->next;
    h->next = first;
    first = h;
    h = nx;
  }
  *p->q_tail = first;
  p->q_tail = &last->next;
  return true;
}

/* The first item from p->scan on that matches; unlinked, or NULL. */
static otp_node *scan(otp_proc *p, rusm_match_fn match, void *arg) {
  for (;;) {
    otp_node *n;
    while ((n = *p->scan)) {
      if (!match || match(&n->item, arg)) {
        *p->scan = n->next;
        if (p->q_tail == &n->next) p->q_tail = p->scan;
        n->next = NULL;
        if (p->rt->track_depth) atomic_fetch_sub_explicit(&p->depth, 1, memory_order_relaxed);
        /* a received stream end belongs to the receiver from now on */
        if (n->item.kind == RUSM_ITEM_STREAM && n->item.u.stream)
          otp_stream_received(p, n->item.u.stream);
        return n;
      }
      p->scan = &n->next;
    }
    if (!drain(p)) return NULL;
  }
}

static otp_node *msg_node(const void *data, size_t len) {
  otp_node *n = otp_node_new(RUSM_ITEM_MESSAGE, len);
  if (!n) return NULL;
  n->item.u.msg.data = (uint8_t *)(n + 1);
  n->item.u.msg.len = len;
  if (len) memcpy(n + 1, data, len);
  return n;
}

/* A native caller pays a reduction per send or spawn; a spent budget
** yields here (the call is a safe point). */
void otp_charge(rusm_rt *rt) {
  otp_proc *self = otp_fiber_current(rt);
  if (self && --self->reds <= 0) otp_fiber_park(self, OTP_PARK_YIELD);
}

static bool deliver(rusm_rt *rt, rusm_pid to, otp_node *n, bool user) {
  otp_proc *p = otp_proc_get(rt, to);
  if (!p) {
    rusm_item_free(&n->item);
    return false;
  }
  bool ok = otp_mbox_push(p, n, user);
  otp_proc_put(p);
  return ok;
}

bool rusm_send(rusm_rt *rt, rusm_pid to, const void *data, size_t len) {
  otp_proc *p = otp_proc_get(rt, to);
  if (!p) return false;
  otp_node *n = msg_node(data, len);
  bool ok = n && otp_mbox_push(p, n, true);
  otp_proc_put(p);
  otp_charge(rt);
  return ok;
}

bool rusm_send_owned(rusm_rt *rt, rusm_pid to, void *data, size_t len) {
  otp_node *n = otp_node_new(RUSM_ITEM_MESSAGE, 0);
  if (!n) {
    free(data);
    return false;
  }
  n->flags |= OTP_NODE_EXTERNAL;
  n->item.u.msg.data = data;
  n->item.u.msg.len = len;
  bool ok = deliver(rt, to, n, true);
  otp_charge(rt);
  return ok;
}

bool otp_send_down(rusm_rt *rt, rusm_pid to, rusm_ref ref, rusm_pid from, rusm_exit_reason r) {
  otp_node *n = otp_node_new(RUSM_ITEM_DOWN, 0);
  if (!n) return false;
  n->item.u.down.ref = ref;
  n->item.u.down.pid = from;
  n->item.u.down.reason = r;
  return deliver(rt, to, n, false);
}

bool otp_send_stream(rusm_rt *rt, rusm_pid to, rusm_stream_reader *reader) {
  otp_proc *p = otp_proc_get(rt, to);
  if (!p) return false;
  otp_node *n = otp_node_new(RUSM_ITEM_STREAM, 0);
  bool ok = false;
  if (n) {
    n->item.u.stream = reader;
    ok = otp_mbox_push(p, n, false);
  }
  otp_proc_put(p);
  return ok;
}

static bool killed(otp_proc *p) {
  return atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED;
}

rusm_item *rusm_try_receive(rusm_ctx *ctx, rusm_match_fn match, void *arg) {
  otp_proc *p = (otp_proc *)ctx;
  if (!(p->scan_keep && p->scan_fn == match && p->scan_arg == arg)) p->scan = &p->q_head;
  otp_node *n = scan(p, match, arg);
  p->scan_fn = match;
  p->scan_arg = arg;
  p->scan_keep = n == NULL && match != NULL;
  return n ? &n->item : NULL;
}

void rusm_receive_rewind(rusm_ctx *ctx) {
  otp_proc *p = (otp_proc *)ctx;
  p->scan_keep = false;
  p->scan = &p->q_head;
}

rusm_item *rusm_receive_match(rusm_ctx *ctx, rusm_match_fn match, void *arg, int64_t timeout_us) {
  otp_proc *p = (otp_proc *)ctx;
  if (otp_fiber_current(p->rt) != p) return rusm_try_receive(ctx, match, arg); /* can't block */
  if (killed(p)) return NULL;
  p->scan_keep = false;
  p->scan = &p->q_head;
  uint64_t deadline = 0;
  if (timeout_us > (int64_t)1000000000000000) timeout_us = RUSM_FOREVER; /* > 31 years */
  if (timeout_us > 0) deadline = rusm_now_ns() + (uint64_t)timeout_us * 1000u;
  bool armed = false;
  otp_node *n;
  for (;;) {
    if ((n = scan(p, match, arg))) break;
    if (killed(p) || timeout_us == 0) break;
    if (timeout_us > 0) {
      if (rusm_now_ns() >= deadline) break;
      if (!armed) otp_timer_arm_wait(p->rt, p, deadline);
      armed = true;
    }
    otp_fiber_park(p, OTP_PARK_WAIT);
    if (killed(p)) break;
  }
  if (armed) otp_timer_disarm_wait(p->rt, p);
  if (!n) return NULL;
  if (--p->reds <= 0) otp_fiber_park(p, OTP_PARK_YIELD);
  return &n->item;
}

rusm_item *rusm_receive(rusm_ctx *ctx) {
  return rusm_receive_match(ctx, NULL, NULL, RUSM_FOREVER);
}

void rusm_wait_deadline(rusm_ctx *ctx, uint64_t deadline_ns) {
  ((otp_proc *)ctx)->deadline_ns = deadline_ns ? deadline_ns : 1;
}

rusm_pid rusm_self(rusm_ctx *ctx) {
  return otp_pid((otp_proc *)ctx);
}
rusm_rt *rusm_ctx_rt(rusm_ctx *ctx) {
  return ((otp_proc *)ctx)->rt;
}
bool rusm_killed(rusm_ctx *ctx) {
  return killed((otp_proc *)ctx);
}
