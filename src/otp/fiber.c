/*
** fiber.c: native bodies on one shared execution stack per worker.
**
** A native body runs on its worker's shared stack (OTP_STACK_SIZE plus a
** guard page). When it parks (receive, yield) it switches back to the
** worker's own thread stack and its frames stay where they are; only when
** another native body needs the shared stack are the parked frames, the
** used part [sp, top), copied into a heap buffer of the process (sized to
** fit, kept for reuse). Resuming copies them back to the same addresses.
** An idle process therefore costs its slot plus a few hundred bytes of saved
** frames instead of a stack page or more (docs/scheduler.md has numbers).
**
** Saved frames hold absolute addresses into the shared stack, so a native
** process that has started is pinned to its home worker (sched.c keeps such
** processes on the worker's pinned queue, which is never stolen from).
**
** Sanitizers: ASan is told about every switch (start/finish_switch_fiber)
** and the shared stack is unpoisoned before frames are copied in or out,
** since redzones of a previous owner's frames would otherwise be stale;
** TSan gets one fiber per started native process.
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(RUSM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(RUSM_TSAN)
#include <sanitizer/tsan_interface.h>
#endif
/* Under valgrind the shared stacks are declared as stacks, so switching sp
** into them is not taken for a wild stack pointer (header-only; no-op
** outside valgrind). */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#define OTP_HAVE_VALGRIND 1
#endif
#endif

#define OTP_STACK_SIZE (256u * 1024)

/* arch/switch_*.S */
void otp_ctx_switch(void **save_sp, void *to_sp);
/* The same routine, declared for the one switch that never comes back: away
** from a fiber that has ended (its frames are abandoned). */
_Noreturn void otp_ctx_switch_last(void **save_sp, void *to_sp) __asm__("otp_ctx_switch");
void otp_ctx_entry(void);

__thread otp_worker *otp_tl_worker;

int otp_fiber_worker_init(otp_worker *w) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t len = OTP_STACK_SIZE + page;
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (m == MAP_FAILED) return -1;
  w->stack_map = m; /* from here on otp_fiber_worker_fini unmaps it, on failure too */
  w->stack_map_len = len;
  if (mprotect(m, page, PROT_NONE) != 0) return -1;
  w->stack_lo = (uint8_t *)m + page;
  w->stack_top = (uint8_t *)m + len;
  w->stack_owner = NULL;
#if defined(OTP_HAVE_VALGRIND)
  w->vg_stack_id = VALGRIND_STACK_REGISTER(w->stack_lo, w->stack_top);
#endif
  return 0;
}

void otp_fiber_worker_fini(otp_worker *w) {
#if defined(OTP_HAVE_VALGRIND)
  if (w->stack_map) VALGRIND_STACK_DEREGISTER(w->vg_stack_id);
#endif
  if (w->stack_map) munmap(w->stack_map, w->stack_map_len);
  w->stack_map = NULL;
}

void otp_fiber_thread_enter(otp_worker *w) {
  otp_tl_worker = w;
#if defined(RUSM_TSAN)
  w->tsan_sched = __tsan_get_current_fiber();
#endif
}

/* Copies saved frames. Not instrumented: the shared-stack side may carry
** another fiber's redzones, and the copy must not be turned into an
** intercepted memcpy. Both ends are 8-byte aligned, n a multiple of 8. */
#if defined(RUSM_ASAN) || defined(RUSM_TSAN)
__attribute__((no_sanitize("address", "thread"))) static void
frames_copy(void *dst, const void *src, size_t n) {
  volatile uint64_t *d = dst;
  const volatile uint64_t *s = src;
  for (size_t i = 0; i < n / 8; i++) d[i] = s[i];
}
#else
static inline void frames_copy(void *dst, const void *src, size_t n) {
  memcpy(dst, src, n);
}
#endif

/* Makes the whole shared stack writable for the checkers before frames are
** copied in or out: ASan may hold a previous owner's redzones there, and
** valgrind treats what lies below the last stack pointer as unaddressable. */
static void stack_unpoison(otp_worker *w) {
#if defined(RUSM_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(w->stack_lo, (size_t)(w->stack_top - w->stack_lo));
#endif
#if defined(OTP_HAVE_VALGRIND)
  /* a client request: a no-op costing a few instructions outside valgrind,
  ** as much as asking RUNNING_ON_VALGRIND first would */
  VALGRIND_MAKE_MEM_DEFINED(w->stack_lo, (size_t)(w->stack_top - w->stack_lo));
#endif
  (void)w;
}

/* Moves the parked owner's frames off the shared stack. */
static void evict(otp_worker *w) {
  otp_proc *o = w->stack_owner;
  if (!o) return;
  size_t n = (size_t)(w->stack_top - (uint8_t *)o->sp);
  if (n > o->stack_cap) {
    size_t cap = (n + 63) & ~(size_t)63;
    uint8_t *b = realloc(o->stack_buf, cap);
    if (!b) abort(); /* frames cannot be dropped; no way to continue */
    o->stack_buf = b;
    o->stack_cap = (uint32_t)cap;
  }
  stack_unpoison(w);
  frames_copy(o->stack_buf, o->sp, n);
  o->stack_len = (uint32_t)n;
  w->stack_owner = NULL;
}

static void restore(otp_worker *w, otp_proc *p) {
  stack_unpoison(w);
  frames_copy(w->stack_top - p->stack_len, p->stack_buf, p->stack_len);
  w->stack_owner = p;
}

static _Noreturn void fiber_exit(otp_proc *p) {
  otp_worker *w = otp_tl_worker;
  void *dead_sp;
  p->park = OTP_PARK_DONE;
#if defined(RUSM_ASAN)
  __sanitizer_start_switch_fiber(NULL, w->asan_sched_lo, w->asan_sched_size);
#endif
#if defined(RUSM_TSAN)
  __tsan_switch_to_fiber(w->tsan_sched, 0);
#endif
  otp_ctx_switch_last(&dead_sp, w->sched_sp);
}

static void fiber_main(void *arg) {
  otp_proc *p = arg;
#if defined(RUSM_ASAN)
  otp_worker *w = otp_tl_worker;
  __sanitizer_finish_switch_fiber(NULL, &w->asan_sched_lo, &w->asan_sched_size);
#endif
  p->body.n.fn((rusm_ctx *)p, p->body.n.arg);
  p->exit_reason = (atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED)
                       ? otp_staged(p)
                       : RUSM_EXIT_NORMAL;
  fiber_exit(p);
}

/* A context that starts fiber_main(p) at the top of the shared stack. */
static void *fresh_context(uint8_t *top, otp_proc *p) {
#if defined(__x86_64__)
  uint64_t *f = (uint64_t *)(top - 56); /* r15 r14 r13 r12 rbx rbp ret */
  memset(f, 0, 56);
  f[2] = (uint64_t)(uintptr_t)fiber_main;
  f[3] = (uint64_t)(uintptr_t)p;
  f[6] = (uint64_t)(uintptr_t)otp_ctx_entry;
  return f;
#elif defined(__aarch64__)
  uint64_t *f = (uint64_t *)(top - 176); /* x19..x30, d8..d15 */
  memset(f, 0, 176);
  f[0] = (uint64_t)(uintptr_t)p;
  f[1] = (uint64_t)(uintptr_t)fiber_main;
  f[11] = (uint64_t)(uintptr_t)otp_ctx_entry;
  return f;
#else
#error "rusm: no fiber context switch for this architecture (see src/otp/arch)"
#endif
}

static rusm_step fiber_run(otp_worker *w, otp_proc *p, rusm_exit_reason *o_reason) {
  if (!p->started) {
    if (atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED) {
      *o_reason = otp_staged(p); /* killed before it ever ran */
      return RUSM_STEP_EXIT;
    }
    p->started = true;
    p->pinned = true;
    p->home = (uint16_t)w->id;
    evict(w);
    stack_unpoison(w);
    p->sp = fresh_context(w->stack_top, p);
    w->stack_owner = p;
#if defined(RUSM_TSAN)
    p->tsan_fiber = __tsan_create_fiber(0);
#endif
  } else if (w->stack_owner != p) {
    evict(w);
    restore(w, p);
  }
  p->park = OTP_PARK_NONE;
  w->current = p;
#if defined(RUSM_ASAN)
  __sanitizer_start_switch_fiber(&w->asan_fake, w->stack_lo, (size_t)(w->stack_top - w->stack_lo));
#endif
#if defined(RUSM_TSAN)
  __tsan_switch_to_fiber(p->tsan_fiber, 0);
#endif
  otp_ctx_switch(&w->sched_sp, p->sp);
#if defined(RUSM_ASAN)
  __sanitizer_finish_switch_fiber(w->asan_fake, NULL, NULL);
#endif
  w->current = NULL;
  switch (p->park) {
  case OTP_PARK_WAIT: return RUSM_STEP_WAIT;
  case OTP_PARK_YIELD: return RUSM_STEP_YIELD;
  default:
    if (w->stack_owner == p) w->stack_owner = NULL; /* frames discarded */
    *o_reason = p->exit_reason;
    return RUSM_STEP_EXIT;
  }
}

void otp_fiber_park(otp_proc *p, int how) {
  otp_worker *w = otp_tl_worker;
  p->park = (uint8_t)how;
#if defined(RUSM_ASAN)
  __sanitizer_start_switch_fiber(&p->asan_fake, w->asan_sched_lo, w->asan_sched_size);
#endif
#if defined(RUSM_TSAN)
  __tsan_switch_to_fiber(w->tsan_sched, 0);
#endif
  otp_ctx_switch(&p->sp, w->sched_sp);
#if defined(RUSM_ASAN)
  __sanitizer_finish_switch_fiber(p->asan_fake, NULL, NULL);
#endif
}

static void fiber_release(otp_proc *p) {
#if defined(RUSM_TSAN)
  if (p->tsan_fiber) __tsan_destroy_fiber(p->tsan_fiber);
  p->tsan_fiber = NULL;
#endif
  p->stack_len = 0;
  if (p->stack_cap > 2048) { /* keep small buffers with the slot for the next process */
    free(p->stack_buf);
    p->stack_buf = NULL;
    p->stack_cap = 0;
  }
  if (p->body.n.arg_free) p->body.n.arg_free(p->body.n.arg);
  p->body.n.arg_free = NULL;
}

const otp_body_vt otp_native_vt = {fiber_run, fiber_release};

otp_proc *otp_fiber_current(rusm_rt *rt) {
  otp_worker *w = otp_worker_here(rt);
  return w ? w->current : NULL;
}

_Noreturn void rusm_crash(rusm_ctx *ctx) {
  otp_proc *p = (otp_proc *)ctx;
  if (otp_fiber_current(p->rt) != p) abort(); /* not on this process's fiber */
  p->exit_reason = RUSM_EXIT_CRASHED;
  fiber_exit(p);
}

void rusm_yield(rusm_ctx *ctx) {
  otp_proc *p = (otp_proc *)ctx;
  if (otp_fiber_current(p->rt) == p) otp_fiber_park(p, OTP_PARK_YIELD);
}
