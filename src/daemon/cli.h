/* cli.h — netlabd's command line: netlabd [-c FILE] [-t] [-v] [-V] [-h]. */
#pragma once

#include <stdbool.h>

#include "macro.h"

#define EXIT_USAGE 64           /* EX_USAGE: bad command line */
#define EXIT_OSERR 71           /* EX_OSERR: cannot bind/obtain sockets */
#define EXIT_CONFIG 78          /* EX_CONFIG: invalid or unreadable configuration */

typedef struct CliArgs {
        const char *config_path;        /* borrowed from argv, or CONF_DEFAULT_PATH */
        bool config_explicit;           /* -c given: a missing file is an error */
        bool test_only;                 /* -t: check the file and exit */
        bool verbose;                   /* -v: debug logging */
        bool version;                   /* -V */
        bool help;                      /* -h */
} CliArgs;

/* Parses @argv (getopt_long; resets optind first, so it may be called repeatedly).
 * Returns 0 and fills *ret, or -EINVAL for an unknown option, a missing argument or a
 * stray positional argument, after printing one line saying which to stderr
 * ("netlabd: unknown option '--x'"); the caller adds cli_usage_error(). */
int cli_parse(int argc, char *argv[], CliArgs *ret);

/* Prints the whole usage text (--help) to @f. */
void cli_help(FILE *f, const char *program);

/* Prints the short answer to a bad command line, the synopsis and "Try '@program
 * --help' for more information.", to @f. */
void cli_usage_error(FILE *f, const char *program);
