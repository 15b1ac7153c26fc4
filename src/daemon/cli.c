/* cli.c — parses netlabd's options into CliArgs; main() in netlabd.c acts on them. */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>

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
        int c;

        assert(argc >= 0);
        assert(ret);

        optind = 0;             /* glibc: 0 also reinitialises getopt's internal state */
        while ((c = getopt_long(argc, argv, "c:tvVh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (optarg[0] == '\0') {
                                fprintf(stderr, _("%s: option '--config' needs a file name\n"), argv[0]);
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
                default:
                        return -EINVAL;         /* getopt printed the reason */
                }

        if (optind < argc) {
                fprintf(stderr, _("%s: unexpected argument '%s'\n"), argv[0], argv[optind]);
                return -EINVAL;
        }

        *ret = a;
        return 0;
}
