/*
** commands.h: the subcommands of the `rusm` executable, defined once.
**
** Adding a subcommand is one line here, X(name, usage, summary), plus a
** function `int cli_<name>_main(int argc, char **argv)` (argv[0] is the
** subcommand's name) in a source file listed in src/cli/CMakeLists.txt.
*/
#ifndef RUSM_CLI_COMMANDS_H
#define RUSM_CLI_COMMANDS_H

#define CLI_COMMANDS(X)                                                                            \
  X(wast, "[-v] [--strict] FILE.json", "run a spec script converted by wabt's wast2json")

/* Commands over Wasm processes, built when the host library is (RUSM_CLI_HOST). */
#ifdef RUSM_CLI_HOST
#define CLI_COMMANDS_HOST(X)                                                                       \
  X(run, "[OPTIONS] FILE.wasm [ARGS...]", "run a wasip1 command module as a process")              \
  X(demo, "[DIR]", "run the demo app: supervised Wasm processes")
#else
#define CLI_COMMANDS_HOST(X)
#endif

#define CLI_ALL_COMMANDS(X) CLI_COMMANDS(X) CLI_COMMANDS_HOST(X)

#define X(name, usage, summary) int cli_##name##_main(int argc, char **argv);
CLI_ALL_COMMANDS(X)
#undef X

#endif
