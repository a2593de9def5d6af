/*
** log_weak.c: silent logging hooks used until log.c exists (CMakeLists.txt
** drops this file once it does). Weak so that a build that lists both still
** links, with log.c's definitions winning.
*/
#include "log.h"

__attribute__((weak)) void otp_log_init(rusm_rt *rt) {
  (void)rt;
}
__attribute__((weak)) void otp_log_fini(rusm_rt *rt) {
  (void)rt;
}
__attribute__((weak)) void otp_log_exit(rusm_rt *rt, rusm_pid pid, const char *label,
                                        rusm_exit_reason r) {
  (void)rt, (void)pid, (void)label, (void)r;
}
