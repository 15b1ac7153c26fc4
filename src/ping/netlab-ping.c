/* netlab-ping.c — main() of netlab-ping: parses the command line (ping's flags), resolves
 * the target, runs the UDP, STAMP or HTTP prober on an sd-event loop with SIGINT (summary and
 * exit), SIGTERM (same) and SIGQUIT (interim line) handling, prints the summary and maps
 * the outcome to ping's exit status: 0 some reply, 1 none (or -w with -c not met), 2 error. */
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"
#include "fping.h"
#include "i18n.h"
#include "log.h"
#include "parse_util.h"
#include "ping.h"
#include "ping_cli.h"
#include "ping_http.h"
#include "ping_udp.h"
#include "ping_stamp.h"

#define EXIT_NO_REPLY 1
#define EXIT_ERROR 2

static PingCliArgs arg;                 /* the parsed command line */
static bool arg_json_errors = false;    /* --json/--json-lines: errors as a JSON document too */

/* Reports a fatal error the ping way: @msg (in the reader's language) as "netlab-ping:
 * ..." on stderr and, with --json or --json-lines, @english as a JSON error document, so
 * stdout stays parseable and reads the same in every locale. Returns EXIT_ERROR. */
static int report(const char *msg, const char *english) {
        fprintf(stderr, "netlab-ping: %s\n", msg);
        if (arg_json_errors) {
                ping_output_json_error(stdout, english, EXIT_ERROR);
                (void) fflush(stdout);
        }
        return EXIT_ERROR;
}

/* As report(), formatting @format with @ap twice: translated for stderr, and as the
 * English original (a msgid: xgettext knows fail() and usage_error() as keywords) for
 * the JSON document. */
_printf_(1, 0) static int vfail(const char *format, va_list ap) {
        char msg[1024], english[1024];
        va_list aq;

        va_copy(aq, ap);
        (void) vsnprintf(msg, sizeof(msg), _(format), aq);
        va_end(aq);
        (void) vsnprintf(english, sizeof(english), format, ap);
        return report(msg, english);
}

_printf_(1, 2) static int fail(const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        int r = vfail(format, ap);
        va_end(ap);
        return r;
}

/* ping(8) answers a bad command line with its usage. */
_printf_(1, 2) static int usage_error(const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        int r = vfail(format, ap);
        va_end(ap);
        ping_cli_usage_hint(stderr);
        return r;
}

static int resolve(Ping *p, const char *host, unsigned port, int socktype, char **ret_address) {
        struct addrinfo hints = {
                .ai_family = arg.family,
                .ai_socktype = socktype,
        };
        struct addrinfo *ai = NULL;
        char service[8], address[SOCKADDR_FORMAT_MAX + 1 + IF_NAMESIZE];
        int r;

        snprintf(service, sizeof(service), "%u", port);
        r = getaddrinfo(host, service, &hints, &ai);
        if (r != 0) {
                const char *reason = r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r);

                if (ping_cli_looks_like_v6_with_port(host))
                        return fail("Failed to resolve '%s': %s (for an IPv6 address and a port, use "
                                    "[ADDRESS]:PORT, e.g. '[::1]:8080')", host, reason);
                return fail("Failed to resolve '%s': %s", host, reason);
        }

        bool ok = ai->ai_addrlen <= sizeof(p->addr) &&
                  (ai->ai_family == AF_INET || ai->ai_family == AF_INET6);
        if (ok)
                memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
        if (!ok)
                return fail("Failed to resolve '%s': not an IPv4 or IPv6 address", host);

        sockaddr_format_host(&p->addr, address, sizeof(address));
        /* A link-local target needs its zone to be reached: show it as getnameinfo() and
         * ping do ("fe80::1%eth0"). */
        if (p->addr.sa.sa_family == AF_INET6 && p->addr.in6.sin6_scope_id != 0) {
                char ifname[IF_NAMESIZE];
                size_t n = strlen(address);

                if (if_indextoname(p->addr.in6.sin6_scope_id, ifname))
                        (void) snprintf(address + n, sizeof(address) - n, "%%%s", ifname);
                else
                        (void) snprintf(address + n, sizeof(address) - n, "%%%u", p->addr.in6.sin6_scope_id);
        }

        *ret_address = strdup(address);
        if (!*ret_address)
                return fail("Out of memory");
        return 0;
}

static int on_sigint(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Ping *p = userdata;

        /* ping: Ctrl-C prints the summary at once; probes still out are "in flight". */
        p->summary.interrupted = true;
        ping_finish(p, 0);
        return 0;
}

static int on_sigquit(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Ping *p = userdata;

        /* ping prints the interim line on stderr; a --json-lines record joins the others. */
        FILE *f = p->conf.json_lines ? p->out : stderr;

        ping_output_interim(f, &p->conf, &p->summary);
        (void) fflush(f);
        return 0;
}

static size_t window_for(nsec_t timeout, nsec_t interval) {
        uint64_t w = timeout / MAX(interval, (nsec_t) 1) + 64;

        return (size_t) MIN(w, (uint64_t) PING_WINDOW_MAX);
}

static int run(void) {
        _cleanup_free_ char *host = NULL, *address = NULL, *host_header = NULL, *path = NULL;
        _cleanup_(ping_udp_freep) PingUdp *udp = NULL;
        _cleanup_(ping_http_freep) PingHttp *http = NULL;
        _cleanup_(ping_stamp_freep) PingStamp *stamp = NULL;
        Ping p = {
                .out = stdout,
        };
        unsigned port = 0;
        int r;

        if (arg.mode == PING_MODE_HTTP) {
                r = ping_cli_split_url(arg.url, &host, &host_header, &port, &path);
                if (r == -EPROTONOSUPPORT)
                        return usage_error("Unsupported URL '%s': only http:// is supported", arg.url);
                if (r < 0)
                        return usage_error("Invalid URL '%s'", arg.url);
                if (arg.port > 0)
                        port = arg.port;
        } else {
                r = ping_cli_split_host_port(arg.target, &host, &port);
                if (r < 0)
                        return usage_error("Invalid HOST[:PORT] '%s'", arg.target);
                if (port > 0 && arg.port > 0 && port != arg.port)
                        return usage_error("Port %u in '%s' contradicts -p %u", port, arg.target, arg.port);
                if (port == 0)
                        port = arg.port ?: (arg.mode == PING_MODE_STAMP ? STAMP_PORT : PING_DEFAULT_PORT);
        }

        /* "::1:8080" is a valid IPv6 address (the last group is 0x8080), so it resolves,
         * but it is rarely what was meant. */
        if (ping_cli_looks_like_v6_with_port(host) && !arg.json_lines && !arg.json)
                fprintf(stderr,
                        _("netlab-ping: note: '%s' is read as one IPv6 address; for a port, use "
                          "[ADDRESS]:PORT, e.g. '[::1]:8080'\n"),
                        host);

        r = resolve(&p, host, port, arg.mode == PING_MODE_HTTP ? SOCK_STREAM : SOCK_DGRAM, &address);
        if (r != 0)
                return r;

        p.conf = (PingOutputConf) {
                .mode = arg.mode,
                .host = host,
                .address = address,
                .port = (uint16_t) port,
                .url = arg.url,
                .size = arg.size,
                .count = arg.count,
                .interval = arg.interval,
                .timeout = arg.timeout,
                .deadline = arg.deadline,
                .flood = arg.flood,
                .quiet = arg.quiet || arg.flood,
                .timestamps = arg.timestamps,
                .json = arg.json,
                .json_lines = arg.json_lines,
                .histogram_bins = arg.histogram_bins,
                .verbose = arg.verbose,
        };
        p.http_host = host_header;
        p.http_path = path;
        p.keep_alive = arg.keep_alive;
        p.verbose = arg.verbose;

        r = stats_new(arg.mode == PING_MODE_HTTP ? 64 : window_for(arg.timeout, arg.flood ? PING_FLOOD_INTERVAL : arg.interval),
                      &p.stats);
        if (r < 0)
                return fail("Out of memory");
        p.summary.stats = p.stats;

        r = sd_event_default(&p.event);
        if (r < 0)
                return fail("Failed to allocate the event loop: %s", strerror(-r));

        r = sd_event_add_signal(p.event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_sigint, &p);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_sigint, &p);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGQUIT | SD_EVENT_SIGNAL_PROCMASK, on_sigquit, &p);
        if (r < 0) {
                (void) fail("Failed to install signal handlers: %s", strerror(-r));
                goto finish;
        }

        if (arg.mode == PING_MODE_HTTP)
                r = ping_http_new(&p, &http);
        else if (arg.mode == PING_MODE_STAMP)
                r = ping_stamp_new(&p, &stamp);
        else
                r = ping_udp_new(&p, &udp);
        if (r < 0) {
                (void) fail("Failed to set up probing of %s (%s): %s", host, address, strerror(-r));
                r = EXIT_ERROR;
                goto finish;
        }

        ping_output_header(p.out, &p.conf);
        (void) fflush(p.out);

        r = sd_event_loop(p.event);
        if (r < 0 && p.error == 0)
                p.error = r;

        if (p.error < 0) {
                (void) fail("Probing failed: %s", strerror(-p.error));
                r = EXIT_ERROR;
                goto finish;
        }

        p.summary.elapsed = p.started ? ping_now(CLOCK_MONOTONIC) - p.start : 0;
        if (http)
                ping_http_summary(http, &p.summary);
        ping_output_summary(p.out, &p.conf, &p.summary);
        (void) fflush(p.out);

        /* ping(8): 1 if no reply at all, or if -w and -c were both given and fewer than
         * COUNT replies arrived by the deadline. */
        if (p.stats->received == 0)
                r = EXIT_NO_REPLY;
        else if (arg.deadline > 0 && arg.count_set && arg.count > 0 && p.stats->received < arg.count)
                r = EXIT_NO_REPLY;
        else
                r = EXIT_SUCCESS;

finish:
        udp = ping_udp_free(udp);
        http = ping_http_free(http);
        stamp = ping_stamp_free(stamp);
        stats_free(p.stats);
        sd_event_source_disable_unref(p.deadline_source);
        sd_event_unref(p.event);
        return r;
}

int main(int argc, char *argv[]) {
        char msg[PING_CLI_ERROR_MAX];
        int r;

        i18n_setup();

        /* Mode dispatch (issue 17): invoked as netlab-fping, or with --exporter, the command
         * line is another tool's and is parsed there. */
        if (fping_invoked_as(argv[0]))
                return fping_main(argc, argv);
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (streq(argv[i], "--exporter") || strneq(argv[i], "--exporter=", 11))
                        return exporter_main(argc, argv);

        log_setup(NULL, /* prefix= */ false, /* timestamps= */ false);
        log_set_max_level(LOG_NOTICE);

        /* Decide the error format before any error can happen. */
        arg_json_errors = ping_cli_wants_json(argc, argv);
        r = ping_cli_parse(argc, argv, &arg, msg, sizeof(msg));
        if (r < 0) {
                char english[PING_CLI_ERROR_MAX] = "";

                /* The JSON error document is English in every locale: parse again with
                 * the messages untranslated (parsing has no side effects but getopt's). */
                if (arg_json_errors) {
                        locale_t old = i18n_untranslated_begin();
                        PingCliArgs unused;

                        (void) ping_cli_parse(argc, argv, &unused, english, sizeof(english));
                        i18n_untranslated_end(old);
                }
                r = report(msg, english[0] ? english : msg);
                ping_cli_usage_hint(stderr);
                return r;
        }
        if (arg.help) {
                ping_cli_help(stdout);
                return EXIT_SUCCESS;
        }
        if (arg.version) {
                printf("netlab-ping %s\n", PACKAGE_VERSION);
                return EXIT_SUCCESS;
        }

        return run();
}
