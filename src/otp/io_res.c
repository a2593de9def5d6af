/*
** io_res.c: resources a process owns (stream ends, sockets).
**
** Each is linked into its owner's list so that the owner's exit can close
** whatever the body left open: readers then see EOF, writers CLOSED, peers
** a closed socket. Only the owner touches its list (its body while it runs,
** then its exit), so no lock is taken.
*/
#include "io_int.h"

void otp_res_init(otp_res *r, void (*release)(otp_res *r)) {
  r->next = NULL;
  r->pprev = NULL;
  r->owner = NULL;
  r->release = release;
}

void otp_res_disown(otp_res *r) {
  if (!r->owner) return;
  *r->pprev = r->next;
  if (r->next) r->next->pprev = r->pprev;
  r->next = NULL;
  r->pprev = NULL;
  r->owner = NULL;
}

void otp_res_own(rusm_ctx *ctx, otp_res *r) {
  otp_proc *p = (otp_proc *)ctx;
  if (r->owner == p) return;
  otp_res_disown(r);
  if (!p) return;
  r->owner = p;
  r->next = p->res;
  if (r->next) r->next->pprev = &r->next;
  r->pprev = &p->res;
  p->res = r;
}

void otp_res_release_all(otp_proc *p) {
  otp_res *r;
  while ((r = p->res)) {
    otp_res_disown(r);
    r->release(r);
  }
  otp_io_proc_exit(p); /* and the fd waits a resumable body left armed */
}

void otp_io_wake_pid(rusm_rt *rt, rusm_pid pid) {
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return;
  otp_wake(p);
  otp_proc_put(p);
}

bool otp_io_sleep(otp_proc *p, uint64_t deadline_ns) {
  bool killed = false;
  otp_timer_arm_wait(p->rt, p, deadline_ns);
  while (!(killed = atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED) &&
         rusm_now_ns() < deadline_ns)
    otp_fiber_park(p, OTP_PARK_WAIT);
  otp_timer_disarm_wait(p->rt, p);
  return !killed;
}
