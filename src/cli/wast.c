/*
** wast.c: `rusm wast FILE.json`, the spec-script runner.
**
** Reads the command list wast2json wrote and checks every command against
** the engine. Each command counts once: passed, failed, or skipped (text
** modules in assert_malformed/assert_invalid, since the engine reads
** binaries only; names the C API cannot express). A failure prints one line
** "FILE:LINE: command: what was expected; what happened"; the last line is
** "N passed, N failed, N skipped". For assert_invalid/malformed/unlinkable
** the rejection is what counts; with --strict the engine's reason must also
** contain the script's text (otherwise a count of differing reasons is
** printed as a note).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "file.h"
#include "json.h"
#include "wast_crash.h"
#include "wast_store.h"
#include "wast_value.h"

#define WAST_MAX_VALUES 128
#define WAST_MSG 512

typedef struct {
  const char *script; /* the JSON file's path, for failure lines */
  char dir[4096];     /* where its .wasm files are */
  wast_store *store;
  int line; /* of the command being run */
  int passed, failed, skipped, reason_differs;
  bool strict, verbose;
} wast_run;

static void fail(wast_run *r, const char *cmd, const char *fmt, const char *a, const char *b) {
  r->failed++;
  printf("%s:%d: %s: ", r->script, r->line, cmd);
  printf(fmt, a, b);
  putchar('\n');
}

static void pass(wast_run *r) {
  r->passed++;
}

/* The engine's message must contain the script's text (the engine may say
** more, e.g. the function name after a trap). */
static bool text_matches(const char *got, const char *want) {
  return !want || strstr(got, want) != NULL;
}

/* Traps: as text_matches, or the script's text is the engine's trap kind
** followed by a detail our trap record does not carry ("uninitialized
** element 2" for the kind "uninitialized element"). got starts with the
** kind's name and then " [" (see wast_store.c). */
static bool trap_matches(const char *got, const char *want) {
  if (text_matches(got, want)) return true;
  const char *end = strstr(got, " [");
  size_t k = end ? (size_t)(end - got) : 0;
  return k && strncmp(want, got, k) == 0 && want[k] == ' ';
}

/* Loads the command's module file; NULL with a failure counted. */
static uint8_t *module_bytes(wast_run *r, const char *cmd, const json_value *c, size_t *o_len) {
  const char *file = json_get_str(c, "filename");
  if (!file) {
    fail(r, cmd, "%s%s", "command has no filename", "");
    return NULL;
  }
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", r->dir, file);
  uint8_t *bytes = cli_read_file(path, o_len);
  if (!bytes) fail(r, cmd, "cannot read %s%s", path, "");
  return bytes;
}

typedef struct {
  wast_act act;
  rusm_val vals[WAST_MAX_VALUES];
  rusm_valtype types[WAST_MAX_VALUES];
  size_t n;
  char msg[WAST_MSG];
} wast_outcome;

/* false when the action could not even be attempted (failure counted) or is
** skipped. */
static bool run_action(wast_run *r, const char *cmd, const json_value *action, wast_outcome *o) {
  const char *type = json_get_str(action, "type");
  const char *mod_name = json_get_str(action, "module");
  const json_value *field = json_get(action, "field");
  if (!type || !field || field->kind != JSON_STRING) {
    fail(r, cmd, "%s%s", "malformed action", "");
    return false;
  }
  if (strlen(field->str) != field->str_len) {
    r->skipped++; /* engine.h takes export names as C strings */
    return false;
  }
  wast_mod *m = wast_store_find(r->store, mod_name);
  if (!m) {
    fail(r, cmd, "no module instance %s%s", mod_name ? mod_name : "(current)", "");
    return false;
  }
  o->n = 0;
  o->msg[0] = '\0';
  if (strcmp(type, "get") == 0) {
    o->act = wast_store_get(r->store, m, field->str, &o->vals[0], o->msg, sizeof o->msg);
    o->n = 1;
    o->types[0] = 0; /* unknown; the expectation supplies it */
    return true;
  }
  if (strcmp(type, "invoke") != 0) {
    fail(r, cmd, "unknown action type %s%s", type, "");
    return false;
  }
  const json_value *args = json_get(action, "args");
  size_t n_args = json_count(args);
  rusm_val argv[WAST_MAX_VALUES];
  rusm_valtype argt[WAST_MAX_VALUES];
  if (n_args > WAST_MAX_VALUES) {
    fail(r, cmd, "%s%s", "too many arguments", "");
    return false;
  }
  for (size_t i = 0; i < n_args; i++) {
    char err[128];
    if (!wast_parse_arg(json_at(args, i), &argt[i], &argv[i], err, sizeof err)) {
      fail(r, cmd, "%s%s", err, "");
      return false;
    }
  }
  o->act = wast_store_invoke(r->store, m, field->str, argv, argt, n_args, o->vals, o->types,
                             WAST_MAX_VALUES, &o->n, o->msg, sizeof o->msg);
  return true;
}

static void cmd_module(wast_run *r, const json_value *c) {
  size_t len;
  uint8_t *bytes = module_bytes(r, "module", c, &len);
  if (!bytes) {
    wast_store_set_current(r->store, NULL);
    return;
  }
  char msg[WAST_MSG];
  wast_mod *m = NULL;
  static const char *const stage[] = {"ok", "load", "link", "link", "instantiate", "start"};
  wast_stage st =
      wast_store_add(r->store, bytes, len, json_get_str(c, "name"), &m, msg, sizeof msg);
  free(bytes);
  wast_store_set_current(r->store, m);
  if (st == WAST_OK)
    pass(r);
  else
    fail(r, "module", "%s failed: %s", stage[st], msg);
}

static void cmd_register(wast_run *r, const json_value *c) {
  const char *as = json_get_str(c, "as");
  wast_mod *m = wast_store_find(r->store, json_get_str(c, "name"));
  if (!as || !m)
    fail(r, "register", "%s%s", "no such module instance", "");
  else if (!wast_store_register(r->store, as, m))
    fail(r, "register", "%s%s", "out of memory", "");
  else
    pass(r);
}

static void cmd_action(wast_run *r, const json_value *c) {
  wast_outcome o;
  if (!run_action(r, "action", json_get(c, "action"), &o)) return;
  if (o.act == WAST_ACT_OK)
    pass(r);
  else
    fail(r, "action", "%s: %s", o.act == WAST_ACT_TRAP ? "trapped" : "error", o.msg);
}

static void cmd_assert_return(wast_run *r, const json_value *c) {
  wast_outcome o;
  const char *cmd = "assert_return";
  if (!run_action(r, cmd, json_get(c, "action"), &o)) return;
  if (o.act != WAST_ACT_OK) {
    fail(r, cmd, "%s: %s", o.act == WAST_ACT_TRAP ? "trapped" : "error", o.msg);
    return;
  }
  const json_value *expected = json_get(c, "expected");
  size_t n = json_count(expected);
  if (n != o.n) {
    char a[32], b[32];
    snprintf(a, sizeof a, "%zu", n);
    snprintf(b, sizeof b, "%zu", o.n);
    fail(r, cmd, "expected %s results, got %s", a, b);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    wast_expected e;
    char err[128], want[600], got[200];
    if (!wast_parse_expected(json_at(expected, i), &e, err, sizeof err)) {
      fail(r, cmd, "%s%s", err, "");
      return;
    }
    rusm_valtype t = o.types[i] ? o.types[i] : e.type;
    if (t != e.type || !wast_match(&e, o.vals[i])) {
      snprintf(want, sizeof want, "result %zu: expected %s", i,
               wast_format_expected(&e, got, sizeof got));
      fail(r, cmd, "%s, got %s", want, wast_format_val(t, o.vals[i], got, sizeof got));
      return;
    }
  }
  pass(r);
}

static void cmd_assert_trap(wast_run *r, const json_value *c, const char *cmd) {
  wast_outcome o;
  const char *text = json_get_str(c, "text");
  if (!text) text = "";
  if (!run_action(r, cmd, json_get(c, "action"), &o)) return;
  if (o.act == WAST_ACT_TRAP && trap_matches(o.msg, text))
    pass(r);
  else if (o.act == WAST_ACT_TRAP)
    fail(r, cmd, "expected trap \"%s\", got \"%s\"", text, o.msg);
  else if (o.act == WAST_ACT_OK)
    fail(r, cmd, "expected trap \"%s\", returned normally%s", text, "");
  else
    fail(r, cmd, "expected trap \"%s\", error: %s", text, o.msg);
}

/* assert_invalid / assert_malformed: the module must be rejected at load. */
static void cmd_assert_rejected(wast_run *r, const json_value *c, const char *cmd) {
  const char *mt = json_get_str(c, "module_type");
  if (mt && strcmp(mt, "binary") != 0) {
    r->skipped++;
    return;
  }
  size_t len;
  uint8_t *bytes = module_bytes(r, cmd, c, &len);
  if (!bytes) return;
  char msg[WAST_MSG];
  const char *text = json_get_str(c, "text");
  if (!text) text = "";
  wast_stage st = wast_store_check(bytes, len, msg, sizeof msg);
  free(bytes);
  if (st == WAST_OK) {
    fail(r, cmd, "expected \"%s\", the module loaded%s", text, "");
    return;
  }
  if (!text_matches(msg, text)) {
    if (r->strict) {
      fail(r, cmd, "expected \"%s\", rejected with \"%s\"", text, msg);
      return;
    }
    r->reason_differs++;
    if (r->verbose)
      printf("%s:%d: %s: note: expected \"%s\", rejected with \"%s\"\n", r->script, r->line, cmd,
             text, msg);
  }
  pass(r);
}

/* assert_unlinkable / assert_uninstantiable: loads, then fails at the stage
** named; the instance is kept (see wast_store.h) but does not become current. */
static void cmd_assert_linking(wast_run *r, const json_value *c, const char *cmd, bool link) {
  size_t len;
  uint8_t *bytes = module_bytes(r, cmd, c, &len);
  if (!bytes) return;
  char msg[WAST_MSG];
  const char *text = json_get_str(c, "text");
  if (!text) text = "";
  wast_stage st = wast_store_add(r->store, bytes, len, NULL, NULL, msg, sizeof msg);
  free(bytes);
  bool right_stage = link ? (st == WAST_FAIL_RESOLVE || st == WAST_FAIL_PREPARE)
                          : (st == WAST_FAIL_INSTANTIATE || st == WAST_FAIL_START);
  if (!right_stage) {
    static const char *const what[] = {"instantiated fine",         "failed to load",
                                       "failed to resolve imports", "failed to link",
                                       "failed to instantiate",     "trapped in start"};
    char got[WAST_MSG + 64];
    snprintf(got, sizeof got, "%s%s%s", what[st], st == WAST_OK ? "" : ": ",
             st == WAST_OK ? "" : msg);
    fail(r, cmd, "expected \"%s\", the module %s", text, got);
    return;
  }
  /* A trap in start must match like a trap; a segment error like a reason. */
  if (st == WAST_FAIL_START ? !trap_matches(msg, text) : !text_matches(msg, text)) {
    if (r->strict || st == WAST_FAIL_START) {
      fail(r, cmd, "expected \"%s\", got \"%s\"", text, msg);
      return;
    }
    r->reason_differs++;
    if (r->verbose)
      printf("%s:%d: %s: note: expected \"%s\", got \"%s\"\n", r->script, r->line, cmd, text, msg);
  }
  pass(r);
}

/* The command table, defined once: JSON type -> handler. */
#define WAST_COMMANDS(X)                                                                           \
  X("module", cmd_module(r, c))                                                                    \
  X("register", cmd_register(r, c))                                                                \
  X("action", cmd_action(r, c))                                                                    \
  X("assert_return", cmd_assert_return(r, c))                                                      \
  X("assert_trap", cmd_assert_trap(r, c, "assert_trap"))                                           \
  X("assert_exhaustion", cmd_assert_trap(r, c, "assert_exhaustion"))                               \
  X("assert_invalid", cmd_assert_rejected(r, c, "assert_invalid"))                                 \
  X("assert_malformed", cmd_assert_rejected(r, c, "assert_malformed"))                             \
  X("assert_unlinkable", cmd_assert_linking(r, c, "assert_unlinkable", true))                      \
  X("assert_uninstantiable", cmd_assert_linking(r, c, "assert_uninstantiable", false))

static void run_command(wast_run *r, const json_value *c) {
  const char *type = json_get_str(c, "type");
  const json_value *line = json_get(c, "line");
  r->line = line && line->kind == JSON_NUMBER ? (int)line->number : 0;
#define X(name, call)                                                                              \
  if (type && strcmp(type, name) == 0) {                                                           \
    call;                                                                                          \
    return;                                                                                        \
  }
  WAST_COMMANDS(X)
#undef X
  fail(r, type ? type : "?", "unknown command type%s%s", "", "");
}

/* A crash in the engine should still leave a line saying where; the counts
** printed are those reached so far, with the rest of the script failed.
** Under a sanitizer its own report is better, so no handler is installed. */
static volatile sig_atomic_t crash_line, crash_passed, crash_failed, crash_skipped, crash_left;

#if !defined(RUSM_ASAN) && !defined(RUSM_TSAN)

static void on_crash(int sig) {
  char buf[200];
  size_t n = wast_crash_report(buf, sizeof buf, sig, crash_line, crash_passed,
                               crash_failed + crash_left, crash_skipped);
  fflush(stdout); /* not async-signal-safe, but the process is lost anyway */
  ssize_t written = write(STDOUT_FILENO, buf, n);
  (void)written; /* nothing more can be done about a failed write */
  _exit(3);
}

static void install_crash_handler(void) {
  static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], on_crash);
}
#else
static void install_crash_handler(void) {}
#endif

int cli_wast_main(int argc, char **argv) {
  wast_run r = {0};
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--strict") == 0)
      r.strict = true;
    else if (strcmp(argv[i], "-v") == 0)
      r.verbose = true;
    else if (!path)
      path = argv[i];
    else
      path = NULL, i = argc;
  }
  if (!path) {
    fprintf(stderr, "usage: rusm wast [-v] [--strict] FILE.json\n");
    return 2;
  }
  size_t len;
  char *text = (char *)cli_read_file(path, &len);
  if (!text) {
    fprintf(stderr, "rusm wast: cannot read %s\n", path);
    return 2;
  }
  char err[200];
  json_doc *doc = json_parse(text, len, err, sizeof err);
  free(text);
  const json_value *commands = doc ? json_get(json_root(doc), "commands") : NULL;
  if (!commands || commands->kind != JSON_ARRAY) {
    fprintf(stderr, "rusm wast: %s: %s\n", path, doc ? "no command list" : err);
    json_free(doc);
    return 2;
  }
  r.script = path;
  const char *slash = strrchr(path, '/');
  snprintf(r.dir, sizeof r.dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
  r.store = wast_store_new(0);
  if (!r.store) {
    fprintf(stderr, "rusm wast: cannot create the spectest module\n");
    json_free(doc);
    return 2;
  }
  install_crash_handler();
  size_t n = json_count(commands);
  for (size_t i = 0; i < n; i++) {
    crash_passed = r.passed;
    crash_failed = r.failed;
    crash_skipped = r.skipped;
    crash_left = (sig_atomic_t)(n - i);
    crash_line = r.line;
    const json_value *c = json_at(commands, i);
    const json_value *line = json_get(c, "line");
    crash_line = line && line->kind == JSON_NUMBER ? (int)line->number : 0;
    fflush(stdout);
    run_command(&r, c);
  }
  wast_store_free(r.store);
  json_free(doc);
  if (r.reason_differs)
    printf("note: %d rejections passed with a reason other than the script's (-v lists them)\n",
           r.reason_differs);
  printf("%d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped);
  return r.failed ? 1 : 0;
}
