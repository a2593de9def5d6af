/*
** run.c: `rusm run [OPTIONS] FILE.wasm [ARGS...]`: runs a wasip1 command
** module as a process, in the manner of `wasmtime run`.
**
** The user asked to run the program, so its stdin/stdout/stderr are the
** terminal's; everything else is denied unless a flag grants it. The exit
** status is the guest's (proc_exit or main's return); a trap prints its
** kind and function and exits 134, an invalid module or a failed start 1,
** bad usage 2.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "file.h"
#include "rusm/host.h"

static const char usage_text[] =
    "usage: rusm run [OPTIONS] FILE.wasm [ARGS...]\n"
    "\n"
    "Runs a WASI preview1 command module (its _start export) as a RUSM process.\n"
    "The program's stdin, stdout and stderr are this terminal's; nothing else is\n"
    "granted unless asked for:\n"
    "\n"
    "  --dir HOST[::GUEST]     make directory HOST visible as GUEST (default: HOST)\n"
    "  --dir-ro HOST[::GUEST]  the same, read-only\n"
    "  --env KEY=VALUE         set an environment variable (repeatable)\n"
    "  --profile NAME          start from a capability profile: sandboxed (default),\n"
    "                          network-client, trusted\n"
    "  --max-memory SIZE       linear-memory cap, e.g. 64M, 1G (default: the profile's)\n"
    "  --invoke NAME           run export NAME (type () -> ()) instead of _start\n"
    "  --tcplisten HOST:PORT   a listening TCP socket the program gets as a preopened\n"
    "                          fd after its directories (sock_accept); needs a profile\n"
    "                          with the network grant (network-client, trusted)\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: the program's; 134 if it trapped (the trap and function are\n"
    "printed), 1 if it could not be loaded or started, 2 on bad usage.\n";

typedef struct run_state {
  rusm_wasm_exit e;
  char error[256];
} run_state;

static void record_exit(void *arg, const rusm_wasm_exit *e) {
  run_state *s = arg;
  s->e = *e;
  snprintf(s->error, sizeof s->error, "%s", e->error ? e->error : "");
  s->e.error = NULL;
}

static bool parse_size(const char *s, uint64_t *o) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s) return false;
  uint64_t mul = 1;
  if (*end == 'k' || *end == 'K')
    mul = 1ull << 10, end++;
  else if (*end == 'm' || *end == 'M')
    mul = 1ull << 20, end++;
  else if (*end == 'g' || *end == 'G')
    mul = 1ull << 30, end++;
  if (mul > 1 && *end == 'i') end++; /* 64Mi, 64MiB */
  if (*end == 'B') end++;
  if (*end || v > UINT64_MAX / mul) return false;
  *o = v * mul;
  return true;
}

/* A listening TCP socket on "host:port" (numeric host or localhost), or
** -errno. Non-blocking: the guest's sock_accept parks its process. */
static int listen_on(const char *spec) {
  const char *colon = strrchr(spec, ':');
  if (!colon || colon == spec) return -EINVAL;
  char host[64];
  size_t hl = (size_t)(colon - spec);
  if (hl >= sizeof host) return -EINVAL;
  memcpy(host, spec, hl);
  host[hl] = 0;
  if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535) return -EINVAL;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -EINVAL;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* HOST[::GUEST] → preopen. */
static void add_dir(rusm_caps *c, char *spec, bool ro) {
  char *sep = strstr(spec, "::");
  const char *guest = spec;
  if (sep) {
    *sep = 0;
    guest = sep + 2;
  }
  rusm_caps_preopen(c, spec, guest, ro);
}

int cli_run_main(int argc, char **argv) {
  rusm_profile profile = RUSM_PROFILE_SANDBOXED;
  uint64_t max_mem = 0;
  const char *entry = "_start";
  int i = 1;
  /* Options are collected first so that --profile may come anywhere. */
  char **dirs = calloc((size_t)argc, sizeof *dirs), **envs = calloc((size_t)argc, sizeof *envs);
  bool *dir_ro = calloc((size_t)argc, sizeof *dir_ro);
  int n_dirs = 0, n_envs = 0, rc = 2;
  int socks[16], n_socks = 0;
  rusm_caps *caps = NULL;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *o = argv[i];
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      fputs(usage_text, stdout);
      rc = 0;
      goto out;
    }
    if (!strcmp(o, "--")) {
      i++;
      break;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "rusm run: %s needs a value\n%s", o, usage_text);
      goto out;
    }
    const char *v = argv[++i];
    if (!strcmp(o, "--dir") || !strcmp(o, "--dir-ro")) {
      dir_ro[n_dirs] = !strcmp(o, "--dir-ro");
      dirs[n_dirs++] = (char *)v;
    } else if (!strcmp(o, "--env")) {
      if (!strchr(v, '=') || v[0] == '=') {
        fprintf(stderr, "rusm run: --env wants KEY=VALUE, got '%s'\n", v);
        goto out;
      }
      envs[n_envs++] = (char *)v;
    } else if (!strcmp(o, "--profile")) {
      if (!rusm_profile_from_id(v, &profile)) {
        fprintf(stderr, "rusm run: unknown profile '%s' (sandboxed, network-client, trusted)\n", v);
        goto out;
      }
    } else if (!strcmp(o, "--max-memory")) {
      if (!parse_size(v, &max_mem) || max_mem < 65536) {
        fprintf(stderr, "rusm run: bad --max-memory '%s' (e.g. 64M; at least 64K)\n", v);
        goto out;
      }
    } else if (!strcmp(o, "--invoke")) {
      entry = v;
    } else if (!strcmp(o, "--tcplisten")) {
      if (n_socks == (int)(sizeof socks / sizeof socks[0])) {
        fprintf(stderr, "rusm run: at most %d --tcplisten sockets\n", n_socks);
        goto out;
      }
      int sfd = listen_on(v);
      if (sfd < 0) {
        fprintf(stderr, "rusm run: --tcplisten %s: %s\n", v, strerror(-sfd));
        goto out;
      }
      socks[n_socks++] = sfd;
    } else {
      fprintf(stderr, "rusm run: unknown option '%s'\n%s", o, usage_text);
      goto out;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "rusm run: no module given\n%s", usage_text);
    goto out;
  }
  caps = rusm_caps_from_profile(profile);
  if (n_socks && !rusm_caps_has(caps, RUSM_CAP_NETWORK)) {
    fprintf(stderr, "rusm run: --tcplisten needs the network grant "
                    "(--profile network-client or trusted)\n");
    goto out;
  }
  rusm_caps_set(caps, RUSM_CAP_STDIO, true);
  for (int k = 0; k < n_dirs; k++) {
    char *spec = strdup(dirs[k]);
    add_dir(caps, spec, dir_ro[k]);
    free(spec);
  }
  for (int k = 0; k < n_envs; k++) {
    char *kv = strdup(envs[k]);
    char *eq = strchr(kv, '=');
    *eq = 0;
    rusm_caps_env(caps, kv, eq + 1);
    free(kv);
  }
  if (max_mem) rusm_caps_max_memory(caps, max_mem);
  if (!rusm_caps_ok(caps)) {
    fprintf(stderr, "rusm run: invalid capability options\n");
    goto out;
  }

  rc = 1;
  const char *file = argv[i];
  size_t len;
  uint8_t *bytes = cli_read_file(file, &len);
  if (!bytes) {
    fprintf(stderr, "rusm run: cannot read %s: %s\n", file, strerror(errno));
    goto out;
  }
  rusm_rt *rt = rusm_rt_new(NULL);
  rusm_wasm_config wc;
  rusm_wasm_config_default(&wc);
  uint64_t cap = rusm_caps_memory_limit(caps);
  if (cap > wc.max_memory) wc.max_memory = cap; /* the user's grant is the ceiling */
  rusm_wasm *w = rt ? rusm_wasm_new(rt, &wc) : NULL;
  rusm_error err;
  rusm_wasm_module *m = w ? rusm_wasm_compile(w, bytes, len, &err) : NULL;
  free(bytes);
  rusm_wasm_prepared *p = NULL;
  if (!m) {
    fprintf(stderr, "rusm run: %s: invalid module: %s%s%sat offset %zu: %s\n", file,
            err.section[0] ? "section " : "", err.section, err.section[0] ? ", " : "", err.offset,
            err.reason);
  } else if (!(p = rusm_wasm_prepare(w, m, entry, &err))) {
    fprintf(stderr, "rusm run: %s: %s\n", file, err.reason);
  } else {
    run_state st = {0};
    rusm_wasm_spawn_opts o = {0};
    o.caps = caps;
    o.argc = argc - i;
    o.argv = (const char *const *)&argv[i];
    o.on_exit = record_exit;
    o.sockets = socks;
    o.n_sockets = (size_t)n_socks;
    o.on_exit_arg = &st;
    rusm_pid pid = rusm_wasm_spawn_ex(w, p, &o);
    rusm_rt_join(rt, pid);
    if (st.e.exited) {
      rc = (int)(st.e.exit_code & 0xff);
    } else if (st.e.reason == RUSM_EXIT_NORMAL) {
      rc = 0;
    } else {
      bool trapped = st.e.started && st.error[0]; /* else it could not start: 1 */
      fprintf(stderr, "rusm run: %s: %s\n", file,
              st.error[0] ? st.error : rusm_exit_reason_name(st.e.reason));
      rc = trapped ? 134 : 1;
    }
  }
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
out:
  for (int k = 0; k < n_socks; k++) close(socks[k]);
  rusm_caps_free(caps);
  free(dirs);
  free(envs);
  free(dir_ro);
  return rc;
}
