/*
** lock.h: a one-word spin lock for short critical sections (run queues,
** a process's links and monitors). Critical sections are a few pointer
** moves, so spinning beats a mutex; after a while the waiter yields the CPU
** in case the holder was preempted (2-core machines).
*/
#ifndef OTP_LOCK_H
#define OTP_LOCK_H

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct otp_lock {
  _Atomic uint32_t v;
} otp_lock;

static inline void otp_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static inline void otp_lock_take(otp_lock *l) {
  unsigned spins = 0;
  while (atomic_exchange_explicit(&l->v, 1, memory_order_acquire)) {
    while (atomic_load_explicit(&l->v, memory_order_relaxed)) {
      if (++spins < 128)
        otp_cpu_relax();
      else
        sched_yield();
    }
  }
}

static inline void otp_lock_give(otp_lock *l) {
  atomic_store_explicit(&l->v, 0, memory_order_release);
}

#endif
