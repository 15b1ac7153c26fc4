/* fping.c — netlab-fping (fping.h): SmokePing's FPing probe pointed at netlab echo
 * servers. main() in netlab-ping.c dispatches here by argv[0]; each HOST becomes one
 * ping_udp session (a Ping of its own, started -i ms after the previous host's) on one
 * sd-event loop, its replies recorded per sequence number through Ping.on_event, and the
 * fping -C lines are printed once every session has finished. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fping.h"
#include "i18n.h"
#include "log.h"
#include "parse_util.h"
#include "ping.h"
#include "ping_cli.h"
#include "ping_udp.h"

#define FPING_EXIT_UNREACHABLE 1
#define FPING_EXIT_NOHOST 2
#define FPING_EXIT_USAGE 3
#define FPING_EXIT_SYSTEM 4

bool fping_invoked_as(const char *argv0) {
        const char *slash;

        if (!argv0)
                return false;
        slash = strrchr(argv0, '/');
        return streq(slash ? slash + 1 : argv0, "netlab-fping");
}

static int parse_ms(const char *s, nsec_t *ret) {
        double v;

        /* fping takes milliseconds, fractions allowed ("-i 0.5" in fping 5). */
        if (safe_atod(s, &v) < 0 || v < 0 || v > 3600e3)
                return -EINVAL;
        *ret = (nsec_t) (v * 1e6);
        return 0;
}

int fping_parse_args(int argc, char *argv[], FpingArgs *ret, char *reterr_msg, size_t size) {
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                                                 { "version", no_argument, NULL, 'v' },
                                                 {} };
        FpingArgs a = {
                .count = 1,
                .family = AF_UNSPEC,
                .interval = 10 * NSEC_PER_MSEC,
                .period = 1000 * NSEC_PER_MSEC,
                .timeout = 500 * NSEC_PER_MSEC,
        };
        unsigned u;
        int c;

        assert(ret);
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+C:c:qB:r:46b:t:i:p:hv", options, NULL)) >= 0)
                switch (c) {
                case 'C':
                case 'c':
                        if (safe_atou64(optarg, &a.count) < 0 || a.count == 0 || a.count > FPING_COUNT_MAX) {
                                snprintf(reterr_msg, size, _("invalid count '%s' (1..%u)"), optarg,
                                         FPING_COUNT_MAX);
                                return -EINVAL;
                        }
                        break;
                case 'q':
                        a.quiet = true;
                        break;
                case 'B':
                case 'r':
                        break; /* backoff and retries: fping ignores them in count mode too */
                case '4':
                        a.family = AF_INET;
                        break;
                case '6':
                        a.family = AF_INET6;
                        break;
                case 'b':
                        if (safe_atou(optarg, &u) < 0 || u > 65000) {
                                snprintf(reterr_msg, size, _("invalid size '%s'"), optarg);
                                return -EINVAL;
                        }
                        a.size = u;
                        break;
                case 't':
                case 'i':
                case 'p': {
                        nsec_t *t = c == 't' ? &a.timeout : c == 'i' ? &a.interval : &a.period;
                        if (parse_ms(optarg, t) < 0 || (c != 'i' && *t == 0)) {
                                snprintf(reterr_msg, size, _("invalid -%c '%s' (milliseconds)"), c, optarg);
                                return -EINVAL;
                        }
                        break;
                }
                case 'h':
                        a.help = true;
                        break;
                case 'v':
                        a.version = true;
                        break;
                default:
                        snprintf(reterr_msg, size, _("unsupported option '%s'"), argv[optind - 1]);
                        return -EINVAL;
                }

        if (!a.help && !a.version) {
                if (optind >= argc) {
                        snprintf(reterr_msg, size, _("no hosts given"));
                        return -EINVAL;
                }
                if ((size_t) (argc - optind) > FPING_HOSTS_MAX) {
                        snprintf(reterr_msg, size, _("too many hosts (at most %u)"), FPING_HOSTS_MAX);
                        return -EINVAL;
                }
                a.hosts = argv + optind;
                a.n_hosts = (size_t) (argc - optind);
        }
        *ret = a;
        return 0;
}

char *fping_format_rtt(char *buf, size_t len, double ms) {
        if (ms < 0)
                snprintf(buf, len, "-");
        else if (ms < 1)
                snprintf(buf, len, "%.3f", ms);
        else if (ms < 10)
                snprintf(buf, len, "%.2f", ms);
        else if (ms < 100)
                snprintf(buf, len, "%.1f", ms);
        else
                snprintf(buf, len, "%.0f", ms);
        return buf;
}

void fping_print_counts(FILE *f, const char *host, const double *rtt_ms, size_t n) {
        char buf[32];

        fprintf(f, "%s :", host);
        for (size_t i = 0; i < n; i++)
                fprintf(f, " %s", fping_format_rtt(buf, sizeof(buf), rtt_ms[i]));
        fputc('\n', f);
}

/* ---- the run -------------------------------------------------------------------------- */

typedef struct FpingHost {
        struct FpingRun *run;
        const char *name; /* as typed: SmokePing matches its lines by it */
        Ping ping;
        PingUdp *udp;
        sd_event_source *start_source;
        double *rtt_ms; /* [count], -1 = lost */
        bool resolved, done;
        double rtt_sum;
        uint64_t replies;
} FpingHost;

typedef struct FpingRun {
        sd_event *event;
        FpingArgs args;
        FpingHost *hosts;
        size_t n_done;
        int error;
} FpingRun;

static void host_event(Ping *p, const PingEvent *e, void *userdata) {
        FpingHost *h = userdata;
        char buf[32], avg[32];

        if (e->kind != PING_EVENT_REPLY || e->seq >= h->run->args.count)
                return;
        h->rtt_ms[e->seq] = (double) e->rtt / 1e6;
        h->rtt_sum += h->rtt_ms[e->seq];
        h->replies++;
        if (!h->run->args.quiet) {
                uint64_t sent = p->stats->sent;

                printf("%s : [%llu], %zu bytes, %s ms (%s avg, %llu%% loss)\n", h->name,
                       (unsigned long long) e->seq, e->bytes,
                       fping_format_rtt(buf, sizeof(buf), h->rtt_ms[e->seq]),
                       fping_format_rtt(avg, sizeof(avg), h->rtt_sum / (double) h->replies),
                       (unsigned long long) (sent > h->replies ? (sent - h->replies) * 100 / sent : 0));
                (void) fflush(stdout);
        }
}

static void host_finish(Ping *p, void *userdata) {
        FpingHost *h = userdata;

        if (h->done)
                return;
        h->done = true;
        if (p->error < 0 && h->run->error == 0)
                h->run->error = p->error;
        if (++h->run->n_done == h->run->args.n_hosts)
                (void) sd_event_exit(h->run->event, 0);
}

static int on_host_start(sd_event_source *s, uint64_t usec, void *userdata) {
        FpingHost *h = userdata;
        int r;

        r = ping_udp_new(&h->ping, &h->udp);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", h->name, strerror(-r));
                h->ping.finished = true;
                host_finish(&h->ping, h);
        }
        return 0;
}

static int resolve_host(FpingHost *h, int family, char **ret_host) {
        _cleanup_free_ char *host = NULL;
        struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM };
        struct addrinfo *ai = NULL;
        unsigned port = 0;
        char service[16];
        int r;

        r = ping_cli_split_host_port(h->name, &host, &port);
        if (r < 0) {
                fprintf(stderr, "%s: invalid host\n", h->name);
                return r;
        }
        snprintf(service, sizeof(service), "%u", port ?: PING_DEFAULT_PORT);
        r = getaddrinfo(host, service, &hints, &ai);
        if (r != 0) {
                /* fping's wording; SmokePing filters such lines out by its regex */
                fprintf(stderr, "%s: %s\n", h->name, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
                return -EADDRNOTAVAIL;
        }
        if (ai->ai_addrlen > sizeof(h->ping.addr) || (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)) {
                freeaddrinfo(ai);
                fprintf(stderr, "%s: %s\n", h->name, gai_strerror(EAI_FAMILY));
                return -EADDRNOTAVAIL;
        }
        memcpy(&h->ping.addr, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
        *ret_host = TAKE_PTR(host);
        return 0;
}

static int run(const FpingArgs *a) {
        FpingRun fr = { .args = *a };
        char **names = NULL;
        int r, status = 0;

        fr.hosts = calloc(a->n_hosts, sizeof(FpingHost));
        names = calloc(a->n_hosts, sizeof(char *));
        if (!fr.hosts || !names) {
                free(fr.hosts);
                free(names);
                fprintf(stderr, "netlab-fping: out of memory\n");
                return FPING_EXIT_SYSTEM;
        }

        r = sd_event_new(&fr.event);
        if (r < 0) {
                status = FPING_EXIT_SYSTEM;
                goto finish;
        }
        (void) sd_event_add_signal(fr.event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        (void) sd_event_add_signal(fr.event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);

        nsec_t t0 = ping_now(CLOCK_MONOTONIC);
        size_t started = 0;
        for (size_t i = 0; i < a->n_hosts; i++) {
                FpingHost *h = &fr.hosts[i];

                h->run = &fr;
                h->name = a->hosts[i];
                h->rtt_ms = malloc(a->count * sizeof(double));
                if (!h->rtt_ms) {
                        status = FPING_EXIT_SYSTEM;
                        goto finish;
                }
                for (uint64_t k = 0; k < a->count; k++)
                        h->rtt_ms[k] = -1;
                if (resolve_host(h, a->family, &names[i]) < 0) {
                        status = FPING_EXIT_NOHOST;
                        h->done = true;
                        fr.n_done++;
                        continue;
                }
                h->resolved = true;
                h->ping = (Ping) {
                        .addr = h->ping.addr,
                        .event = fr.event,
                        .on_finish = host_finish,
                        .on_event = host_event,
                        .session_userdata = h,
                        .conf = {
                                .mode = PING_MODE_UDP,
                                .host = names[i],
                                .size = MAX(a->size, (size_t) PING_SIZE_DEFAULT),
                                .count = a->count,
                                .interval = a->period,
                                .timeout = a->timeout,
                                .quiet = true,
                        },
                };
                uint64_t w = a->timeout / MAX(a->period, (nsec_t) 1) + 64;
                r = stats_new((size_t) MIN(w, (uint64_t) PING_WINDOW_MAX), &h->ping.stats);
                if (r < 0) {
                        status = FPING_EXIT_SYSTEM;
                        goto finish;
                }
                h->ping.summary.stats = h->ping.stats;
                /* fping -i: the gap between probes to different hosts */
                r = sd_event_add_time(fr.event, &h->start_source, CLOCK_MONOTONIC,
                                      ping_usec_ceil(t0 + started++ * a->interval), 1, on_host_start, h);
                if (r < 0) {
                        status = FPING_EXIT_SYSTEM;
                        goto finish;
                }
        }

        if (fr.n_done < a->n_hosts) {
                r = sd_event_loop(fr.event);
                if (r < 0 || fr.error < 0) {
                        fprintf(stderr, "netlab-fping: %s\n", strerror(-(r < 0 ? r : fr.error)));
                        status = FPING_EXIT_SYSTEM;
                }
        }

        /* fping prints a blank line between the per-probe lines and the -C report. */
        (void) fflush(stdout);
        if (!a->quiet)
                fputc('\n', stderr);
        for (size_t i = 0; i < a->n_hosts; i++) {
                FpingHost *h = &fr.hosts[i];

                if (!h->resolved)
                        continue;
                fping_print_counts(stderr, h->name, h->rtt_ms, a->count);
                if (h->replies == 0 && status == 0)
                        status = FPING_EXIT_UNREACHABLE;
        }

finish:
        for (size_t i = 0; i < a->n_hosts; i++) {
                FpingHost *h = &fr.hosts[i];

                ping_udp_free(h->udp);
                sd_event_source_disable_unref(h->start_source);
                sd_event_source_disable_unref(h->ping.deadline_source);
                stats_free(h->ping.stats);
                free(h->rtt_ms);
                free(names[i]);
        }
        free(fr.hosts);
        free(names);
        sd_event_unref(fr.event);
        return status;
}

int fping_main(int argc, char *argv[]) {
        char msg[FPING_ERROR_MAX];
        FpingArgs a;

        log_setup(NULL, /* prefix= */ false, /* timestamps= */ false);
        log_set_max_level(LOG_WARNING);

        if (fping_parse_args(argc, argv, &a, msg, sizeof(msg)) < 0) {
                fprintf(stderr, "netlab-fping: %s\n", msg);
                fputs(_("Usage: netlab-fping [-C N] [-q] [-4|-6] [-b SIZE] [-t MS] [-i MS] [-p MS] HOST[:PORT]...\n"),
                      stderr);
                return FPING_EXIT_USAGE;
        }
        if (a.help) {
                printf(_("Usage: netlab-fping [options] HOST[:PORT]...\n"
                         "fping's command line (as SmokePing's FPing probe uses it) over the netlab UDP echo\n"
                         "(port %u unless HOST:PORT). See netlab-ping(1), FPING MODE.\n"
                         "   -C, -c N   probes per host, report each RTT in ms ('-' = lost) on stderr\n"
                         "   -q         only the per-host report\n"
                         "   -4, -6     IPv4 or IPv6 only\n"
                         "   -b SIZE    datagram bytes (at least the %u-byte probe header)\n"
                         "   -t MS      timeout per probe (default 500)\n"
                         "   -i MS      gap between probes to different hosts (default 10)\n"
                         "   -p MS      gap between probes to one host (default 1000)\n"
                         "   -B, -r     accepted, no effect\n"),
                       PING_DEFAULT_PORT, (unsigned) PING_SIZE_DEFAULT);
                return 0;
        }
        if (a.version) {
                printf("netlab-fping: netlab-ping %s\n", PACKAGE_VERSION);
                return 0;
        }
        return run(&a);
}
