/*
** log.h: the lifecycle-logging hooks the actor core calls.
**
** The core only announces events; log.c (another module) decides whether and
** how to print them from rt->log_level and rt->log_sink. log_weak.c supplies
** silent defaults while log.c does not exist.
*/
#ifndef OTP_LOG_H
#define OTP_LOG_H

#include "rusm/otp.h"

/* Called once from rusm_rt_new after the runtime is usable, and from
** rusm_rt_free after every process is gone and the workers have stopped. */
void otp_log_init(rusm_rt *rt);
void otp_log_fini(rusm_rt *rt);

/* A labelled process ended; label is borrowed for the call only. Runs on
** whatever thread tore the process down (usually a worker). */
void otp_log_exit(rusm_rt *rt, rusm_pid pid, const char *label, rusm_exit_reason r);

#endif
