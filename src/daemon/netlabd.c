/* netlabd.c — main(): parse the command line, load the configuration, obtain the
 * sockets, start the echo and HTTP services and run the loop. Exit statuses follow
 * sysexits.h: 64 usage, 71 sockets, 78 configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "daemon.h"
#include "i18n.h"
#include "impair.h"
#include "log.h"
#include "loop.h"

/* True if stderr is the journal stream systemd connected us to ($JOURNAL_STREAM names
 * its device and inode; a child that inherited the variable but not the fd must not
 * believe it). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

static void log_setup_for_environment(void) {
        /* The journal stamps lines itself; a terminal or a file needs our timestamps. The
         * "<N>" prefix is for journald and for whatever reads a pipe or a file; a person
         * at a terminal reads the message. */
        log_setup("netlabd", /* prefix= */ !isatty(STDERR_FILENO), /* timestamps= */ !stderr_is_journal());
}

int main(int argc, char *argv[]) {
        _cleanup_(daemon_freep) Daemon *d = NULL;
        _cleanup_(conf_unrefp) Conf *conf = NULL;
        CliArgs args;
        int r;

        /* Usage, errors and -t speak the reader's language; the running daemon
         * goes back to the C locale below, so its journal lines stay English: admins
         * search for them, and systemd hands services the system's LANG. */
        i18n_setup();
        log_setup_for_environment();

        r = cli_parse(argc, argv, &args);
        if (r < 0) {
                cli_usage_error(stderr, program_invocation_short_name);
                return EXIT_USAGE;
        }
        if (args.help) {
                cli_help(stdout, program_invocation_short_name);
                return EXIT_SUCCESS;
        }
        if (args.version) {
                printf("netlabd %s\n", PACKAGE_VERSION);
                return EXIT_SUCCESS;
        }

        if (args.test_only) {
                /* -t prints plain lines for people, not journal records. */
                log_setup(NULL, false, false);
                /* The same loader and checks as start-up and reload; only the sockets
                 * are not bound. */
                r = daemon_load_conf(args.config_path, args.config_explicit, /* reload= */ false, &conf);
                if (r < 0)
                        return EXIT_CONFIG;
                if (r > 0)
                        printf(_("no %s; built-in defaults ok\n"), args.config_path);
                else
                        printf(_("%s: configuration ok\n"), args.config_path);
                if (conf->echo.enabled) {
                        char summary[512];

                        printf(_("echo: %s\n"), impair_format_summary(&conf->echo, summary, sizeof(summary)));
                        for (size_t i = 0; i < conf->echo.n_profiles; i++) {
                                const ConfProfile *p = &conf->echo.profiles[i];

                                printf(_("echo profile '%s' (%s): %s\n"), p->name, p->match,
                                       impair_format_summary(&p->echo, summary, sizeof(summary)));
                        }
                }
                return EXIT_SUCCESS;
        }

        (void) setlocale(LC_ALL, "C");

        r = daemon_load_conf(args.config_path, args.config_explicit, /* reload= */ false, &conf);
        if (r < 0)
                return EXIT_CONFIG;
        log_set_max_level(args.verbose ? LOG_DEBUG : conf->log_level);

        r = loop_block_signals();
        if (r < 0) {
                log_error_errno(r, "Failed to block signals: %m");
                return EXIT_OSERR;
        }

        r = daemon_new(args.config_path, args.config_explicit, conf, &d);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                return EXIT_OSERR;
        }
        d->verbose = args.verbose;

        r = daemon_open_sockets(d);
        if (r < 0)
                return EXIT_OSERR;

        r = daemon_start_services(d);
        if (r < 0)
                return r == -ENOENT || r == -ENOTDIR || r == -EACCES ? EXIT_CONFIG : EXIT_OSERR;

        r = loop_run(d);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
