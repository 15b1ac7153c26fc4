/* cli.c — parses netlabd's options into CliArgs; main() in netlabd.c acts on them.
 * Prints only the usage texts: a bad command line gets one line saying what is wrong,
 * the synopsis and a pointer to --help, in netlab-ping's (and ping's) style. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "i18n.h"

void cli_help(FILE *f, const char *program) {
        fprintf(f,
                _("Usage: %s [OPTIONS]\n"
                  "Lossy UDP echo and static HTTP server for network labs.\n\n"
                  "  -c, --config=FILE  read FILE instead of %s\n"
                  "  -t, --test         check the configuration file and exit (0 ok, 78 invalid)\n"
                  "  -v, --verbose      log debug messages\n"
                  "  -V, --version      print the version and exit\n"
                  "  -h, --help         print this help and exit\n\n"
                  "Signals: SIGHUP reloads the configuration, SIGTERM/SIGINT stop gracefully,\n"
                  "SIGUSR1 logs the counters. See netlabd(8) and netlab.conf(5).\n"),
                program, CONF_DEFAULT_PATH);
}

void cli_usage_error(FILE *f, const char *program) {
        fprintf(f,
                _("Usage: %s [-c FILE] [-t] [-v]\n"
                  "Try '%s --help' for more information.\n"),
                program, program);
}

int cli_parse(int argc, char *argv[], CliArgs *ret) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "test", no_argument, NULL, 't' },
                { "verbose", no_argument, NULL, 'v' },
                { "version", no_argument, NULL, 'V' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        CliArgs a = { .config_path = CONF_DEFAULT_PATH };
        const char *program = program_invocation_short_name;
        int c;

        assert(argc >= 0);
        assert(ret);

        optind = 0;             /* glibc: 0 also reinitialises getopt's internal state */
        opterr = 0;             /* we say what is wrong ourselves, in one line */
        while ((c = getopt_long(argc, argv, ":c:tvVh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (optarg[0] == '\0') {
                                fprintf(stderr, _("%s: option '--config' needs a file name\n"), program);
                                return -EINVAL;
                        }
                        a.config_path = optarg;
                        a.config_explicit = true;
                        break;
                case 't':
                        a.test_only = true;
                        break;
                case 'v':
                        a.verbose = true;
                        break;
                case 'V':
                        a.version = true;
                        break;
                case 'h':
                        a.help = true;
                        break;
                case ':':
                        fprintf(stderr, _("%s: option '%s' needs a file name\n"), program, argv[optind - 1]);
                        return -EINVAL;
                default:
                        /* optopt is the unknown short option; a bad long one ("--x",
                         * "--test=1") is left in argv[optind - 1]. */
                        if (optopt && strncmp(argv[optind - 1], "--", 2) != 0)
                                fprintf(stderr, _("%s: unknown option '-%c'\n"), program, optopt);
                        else
                                fprintf(stderr, _("%s: unknown option '%s'\n"), program, argv[optind - 1]);
                        return -EINVAL;
                }

        if (optind < argc) {
                fprintf(stderr, _("%s: unexpected argument '%s'\n"), program, argv[optind]);
                return -EINVAL;
        }

        *ret = a;
        return 0;
}
