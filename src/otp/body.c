/*
** body.c: resumable bodies (rusm_spawn_body), the process backend of the
** Wasm host: a state machine the scheduler resumes with a budget. It is the
** second implementation of otp_body_vt next to native fibers (fiber.c).
*/
#include "otp_int.h"

static rusm_step resumable_run(otp_worker *w, otp_proc *p, rusm_exit_reason *o_reason) {
  (void)w;
  if (atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED) {
    *o_reason = otp_staged(p); /* destroyed without being resumed */
    return RUSM_STEP_EXIT;
  }
  otp_timer_disarm_wait(p->rt, p); /* a deadline armed for the last wait */
  p->deadline_ns = 0;
  rusm_step st = p->body.r.ops->resume(p->body.r.state, (rusm_ctx *)p, (uint32_t)p->reds, o_reason);
  if (st != RUSM_STEP_EXIT && (atomic_load(&p->flags) & OTP_F_KILLED)) {
    *o_reason = otp_staged(p);
    return RUSM_STEP_EXIT;
  }
  /* armed before the scheduler parks p: a deadline that passes in between
  ** finds p RUNNING and turns it NOTIFIED, so it is not lost */
  if (st == RUSM_STEP_WAIT && p->deadline_ns) otp_timer_arm_wait(p->rt, p, p->deadline_ns);
  return st;
}

static void resumable_release(otp_proc *p) {
  if (p->body.r.ops->destroy) p->body.r.ops->destroy(p->body.r.state);
}

const otp_body_vt otp_resumable_vt = {resumable_run, resumable_release};
