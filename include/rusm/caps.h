/*
** rusm/caps.h: default-deny capabilities for a Wasm process.
**
** A rusm_caps says what a process may touch: network, stdio, process
** control, spawn, storage, environment variables, preopened directories
** and a memory cap. Nothing is granted unless asked for. Three named
** profiles give the usual starting points (sandboxed, network-client,
** trusted); the builder functions then add or remove grants. The WASI
** layer (rusm/wasi.h) and the process host read a rusm_caps; neither
** keeps a pointer to it after construction.
*/
#ifndef RUSM_CAPS_H
#define RUSM_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rusm_caps rusm_caps;

/* The on/off grants, defined once, in summary() order:
** X(ENUM, builder/getter suffix, summary word). */
#define RUSM_CAP_GRANTS(X)                                                                         \
  X(NETWORK, network, "net")                                                                       \
  X(SPAWN, spawn, "spawn")                                                                         \
  X(STORAGE, storage, "storage")                                                                   \
  X(PROCESS_CONTROL, process_control, "proc")                                                      \
  X(STDIO, stdio, "stdio")

typedef enum {
#define X(e, n, s) RUSM_CAP_##e,
  RUSM_CAP_GRANTS(X)
#undef X
      RUSM_CAP_COUNT_
} rusm_cap_grant;

/* Profiles, defined once: X(ENUM, id string). */
#define RUSM_CAP_PROFILES(X)                                                                       \
  X(SANDBOXED, "sandboxed")                                                                        \
  X(NETWORK_CLIENT, "network-client")                                                              \
  X(TRUSTED, "trusted")

typedef enum {
#define X(e, s) RUSM_PROFILE_##e,
  RUSM_CAP_PROFILES(X)
#undef X
      RUSM_PROFILE_COUNT_
} rusm_profile;

#define RUSM_CAPS_DEFAULT_MEMORY (64ull << 20) /* sandboxed and network-client */
#define RUSM_CAPS_TRUSTED_MEMORY (1ull << 30)

/* "sandboxed", "network-client", "trusted"; NULL for an unknown value. */
const char *rusm_profile_id(rusm_profile p);
/* true and *o_p set if id names a profile. */
bool rusm_profile_from_id(const char *id, rusm_profile *o_p);

/* New caps: nothing granted (= sandboxed). Caller owns; rusm_caps_free.
** NULL only when out of memory. */
rusm_caps *rusm_caps_new(void);
/* New caps with a profile's grants. Caller owns. */
rusm_caps *rusm_caps_from_profile(rusm_profile p);
rusm_caps *rusm_caps_clone(const rusm_caps *c); /* deep copy; caller owns */
void rusm_caps_free(rusm_caps *c);              /* takes c; NULL is fine */

/* ---------------------------------------------------------- builder
** Each returns c, so calls chain; a failed env/preopen (out of memory or
** an invalid argument) is remembered and reported by rusm_caps_ok. */
rusm_caps *rusm_caps_set(rusm_caps *c, rusm_cap_grant g, bool on);
/* Adds KEY=VALUE to the guest environment (copied). A key containing
** '=' or an empty key is invalid. A repeated key replaces the value. */
rusm_caps *rusm_caps_env(rusm_caps *c, const char *key, const char *value);
/* Makes host_dir visible to the guest as guest_path (both copied). The
** host directory is checked when a WASI context is built, not here. */
rusm_caps *rusm_caps_preopen(rusm_caps *c, const char *host_dir, const char *guest_path,
                             bool read_only);
rusm_caps *rusm_caps_max_memory(rusm_caps *c, uint64_t bytes);
bool rusm_caps_ok(const rusm_caps *c); /* false if a builder call failed */

/* Named setters and getters, one per grant: rusm_caps_allow_network(c, on),
** rusm_caps_network(c), ... */
#define X(e, n, s)                                                                                 \
  static inline rusm_caps *rusm_caps_allow_##n(rusm_caps *c, bool on) {                            \
    return rusm_caps_set(c, RUSM_CAP_##e, on);                                                     \
  }
RUSM_CAP_GRANTS(X)
#undef X

/* ---------------------------------------------------------- getters */
bool rusm_caps_has(const rusm_caps *c, rusm_cap_grant g);
uint64_t rusm_caps_memory_limit(const rusm_caps *c);
size_t rusm_caps_env_count(const rusm_caps *c);
/* Borrowed strings, valid until c changes or is freed. */
void rusm_caps_env_at(const rusm_caps *c, size_t i, const char **o_key, const char **o_value);
size_t rusm_caps_preopen_count(const rusm_caps *c);
void rusm_caps_preopen_at(const rusm_caps *c, size_t i, const char **o_host_dir,
                          const char **o_guest_path, bool *o_read_only);

static inline bool rusm_caps_process_control(const rusm_caps *c) {
  return rusm_caps_has(c, RUSM_CAP_PROCESS_CONTROL);
}
static inline bool rusm_caps_can_spawn(const rusm_caps *c) {
  return rusm_caps_has(c, RUSM_CAP_SPAWN);
}
static inline bool rusm_caps_storage_allowed(const rusm_caps *c) {
  return rusm_caps_has(c, RUSM_CAP_STORAGE);
}

/* One line: granted words in X-macro order, then "fs=N" (preopens, if
** any), "env=N" (if any), "mem=<n>M"; "sandboxed" leads when no grant,
** preopen or env is present: "net spawn storage proc stdio env=2 mem=512M",
** "sandboxed mem=64M". Writes at most cap bytes (NUL-terminated when cap >
** 0) and returns the full length, like snprintf. */
size_t rusm_caps_summary(const rusm_caps *c, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
