/* exporter.c — netlab-ping --exporter: main(), the loop and the prober's own state. One
 * sd-event loop: listeners -> connections (exporter_http.c) -> exporter_run.c runs ->
 * exporter_render.c text. With --target, the same runs are started back to back per
 * target and the last complete window is kept for /metrics. A 100 ms tick measures how
 * late the loop runs; above --max-lag new runs are shed and counted, so an overloaded
 * exporter says so instead of falling behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "exporter.h"
#include "exporter_query.h"
#include "exporter_render.h"
#include "exporter_run.h"
#include "i18n.h"
#include "log.h"
#include "parse_util.h"
#include "prom_text.h"
#include "ping.h"
#include "sockaddr.h"
#include "strbuf.h"

#define TICK_USEC (100 * USEC_PER_MSEC)

/* ---- process metrics ------------------------------------------------------------------ */

static double now_real_sec(void) {
        return (double) ping_now(CLOCK_REALTIME) / (double) NSEC_PER_SEC;
}

static usec_t worst_lag(const Exporter *x) {
        usec_t m = 0;

        for (size_t i = 0; i < LAG_TICKS; i++)
                m = MAX(m, x->lag_ring[i]);
        return m;
}

void exporter_read_process(Exporter *x) {
        struct rusage ru;
        struct rlimit rl;
        long page = sysconf(_SC_PAGESIZE);
        unsigned long long size = 0, resident = 0;

        if (getrusage(RUSAGE_SELF, &ru) == 0)
                x->proc.cpu_seconds = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
                                      (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
        FILE *f = fopen("/proc/self/statm", "re");
        if (f) {
                if (fscanf(f, "%llu %llu", &size, &resident) == 2)
                        x->proc.rss_bytes = (uint64_t) resident * (uint64_t) page;
                fclose(f);
        }
        uint64_t fds = 0;
        DIR *d = opendir("/proc/self/fd");
        if (d) {
                for (struct dirent *de; (de = readdir(d));)
                        if (de->d_name[0] != '.')
                                fds++;
                closedir(d);
                x->proc.open_fds = fds - 1; /* the directory's own fd */
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
                x->proc.max_fds = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
        x->proc.in_flight = x->in_flight;
        x->proc.max_concurrent = x->max_concurrent;
        x->proc.loop_lag_seconds = (double) worst_lag(x) / (double) USEC_PER_SEC;
        x->proc.targets = x->n_targets;
}

const char *exporter_admit(Exporter *x) {
        if (x->in_flight >= x->max_concurrent) {
                x->proc.shed_concurrency++;
                return "shed";
        }
        if (worst_lag(x) > x->max_lag) {
                x->proc.shed_overload++;
                return "overload";
        }
        return NULL;
}

void exporter_count_result(Exporter *x, const ExporterReport *r) {
        if (exporter_render_success(r))
                x->proc.probes_success++;
        else
                x->proc.probes_failure++;
        if (r->stats)
                x->proc.packets_sent += r->stats->sent;
}

/* ---- continuous targets --------------------------------------------------------------- */

static void target_start(Target *t);

static void on_target_done(ExporterRun *run, void *userdata) {
        Target *t = userdata;
        Exporter *x = t->exporter;
        ExporterReport r;

        exporter_run_report(run, &r);
        exporter_count_result(x, &r);
        stats_free(t->last);
        t->last_report = r;
        t->last = exporter_run_take_stats(t->run);
        t->last_report.stats = r.stats ? t->last : NULL;
        t->last_report.labels = t->labels;
        t->have_last = true;
        t->run = exporter_run_free(t->run);
        x->in_flight--;

        /* Windows follow each other every count * interval; one that overran (a late
         * reply, a loaded loop) starts the next at once rather than skipping a window. */
        nsec_t now = ping_now(CLOCK_MONOTONIC);
        t->next_start += t->q.count * t->q.interval;
        if (t->next_start <= now || t->next_start - now > t->q.count * t->q.interval)
                t->next_start = now;
        (void) sd_event_source_set_time(t->timer_source, ping_usec_ceil(t->next_start));
        (void) sd_event_source_set_enabled(t->timer_source, SD_EVENT_ONESHOT);
}

static void target_start(Target *t) {
        Exporter *x = t->exporter;
        const char *shed = exporter_admit(x);
        int r;

        if (!shed) {
                r = exporter_run_new(x->event, x->resolver, &t->q, x->allow, x->n_allow, on_target_done, t,
                                     &t->run);
                if (r >= 0) {
                        x->in_flight++;
                        return;
                }
                log_warning_errno(r, "Failed to start probing '%s', retrying: %m", t->q.target);
                shed = "oom";
        }
        /* Skipped window: it shows as a failed window, not as silence. */
        stats_free(t->last);
        t->last = NULL;
        t->last_report = (ExporterReport) { .labels = t->labels, .failure = shed };
        t->have_last = true;
        x->proc.probes_failure++;
        t->next_start = ping_now(CLOCK_MONOTONIC) + t->q.count * t->q.interval;
        (void) sd_event_source_set_time(t->timer_source, ping_usec_ceil(t->next_start));
        (void) sd_event_source_set_enabled(t->timer_source, SD_EVENT_ONESHOT);
}

static int on_target_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        target_start(userdata);
        return 0;
}

/* ---- loop ----------------------------------------------------------------------------- */

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Exporter *x = userdata;
        uint64_t now = ping_usec_ceil(ping_now(CLOCK_MONOTONIC));

        x->lag_ring[x->lag_pos++ % LAG_TICKS] = now > x->tick_due ? now - x->tick_due : 0;
        x->tick_due = now + TICK_USEC;
        (void) sd_event_source_set_time(s, x->tick_due);
        return 0;
}

static int on_drain_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Exporter *x = userdata;

        log_warning("Runs still in progress after the drain time, stopping anyway");
        return sd_event_exit(x->event, 0);
}

/* SIGTERM/SIGINT: stop accepting, stop the --target windows, and finish the runs whose
 * answers are owed (a scraper then gets its result instead of a reset), bounded by
 * --max-duration plus a little. */
static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Exporter *x = userdata;
        int r;

        if (x->stopping)
                return 0;
        x->stopping = true;
        log_info("Received %s, stopping", si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        (void) sd_notify(false, "STOPPING=1");

        for (size_t i = 0; i < x->n_listen; i++) {
                x->listen_sources[i] = sd_event_source_disable_unref(x->listen_sources[i]);
                x->listen_fds[i] = safe_close(x->listen_fds[i]);
        }
        x->n_listen = 0;
        for (size_t i = 0; i < x->n_targets; i++) {
                Target *t = &x->targets[i];

                if (t->run) {
                        t->run = exporter_run_free(t->run);
                        x->in_flight--;
                }
                (void) sd_event_source_set_enabled(t->timer_source, SD_EVENT_OFF);
        }
        for (Conn *c = x->conns, *next; c; c = next) {
                next = c->next;
                if (c->state == CONN_RECV_HEAD)
                        exporter_conn_free(c); /* nothing asked yet */
        }
        if (x->n_conns == 0)
                return sd_event_exit(x->event, 0);

        log_info("Finishing %zu run(s) in progress", x->n_conns);
        r = sd_event_add_time_relative(x->event, &x->drain_source, CLOCK_MONOTONIC,
                                       ping_usec_ceil(x->limits.max_duration) + 3 * USEC_PER_SEC, 0,
                                       on_drain_timeout, x);
        if (r < 0)
                return sd_event_exit(x->event, 0);
        return 0;
}

static void exporter_done(Exporter *x) {
        while (x->conns)
                exporter_conn_free(x->conns);
        for (size_t i = 0; i < x->n_targets; i++) {
                Target *t = &x->targets[i];

                t->run = exporter_run_free(t->run);
                stats_free(t->last);
                sd_event_source_disable_unref(t->timer_source);
        }
        free(x->targets);
        for (size_t i = 0; i < x->n_listen; i++) {
                sd_event_source_disable_unref(x->listen_sources[i]);
                safe_close(x->listen_fds[i]);
        }
        sd_event_source_disable_unref(x->tick_source);
        sd_event_source_disable_unref(x->drain_source);
        x->resolver = exporter_resolver_free(x->resolver);
        x->event = sd_event_unref(x->event);
}

static int listen_on(Exporter *x, const char *address) {
        int n = sd_listen_fds(/* unset_environment= */ true);

        if (n < 0)
                return log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
        if (n > 0) {
                if ((size_t) n > LISTENERS_MAX)
                        return log_error_errno(-EMFILE, "Too many sockets passed (%d, at most %d)", n,
                                               LISTENERS_MAX);
                for (int i = 0; i < n; i++) {
                        int fd = SD_LISTEN_FDS_START + i;

                        if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
                                return log_error_errno(
                                        -EINVAL, "Socket %d from systemd is not a listening stream socket", fd);
                        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                        x->listen_fds[x->n_listen++] = fd;
                }
                log_info("Using %d socket(s) passed by systemd", n);
                return 0;
        }

        SockAddr a;
        char buf[SOCKADDR_FORMAT_MAX];
        const int one = 1;

        if (sockaddr_parse(address, &a) < 0)
                return log_error_errno(
                        -EINVAL, "Invalid --exporter address '%s' (ADDRESS:PORT, [V6]:PORT or PORT)", address);
        _cleanup_close_ int fd = socket(a.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a socket for '%s': %m", address);
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (a.sa.sa_family == AF_INET6) {
                const int zero = 0;
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        }
        if (bind(fd, &a.sa, sockaddr_len(&a)) < 0)
                return log_error_errno(errno, "Failed to bind '%s': %m", address);
        if (listen(fd, 128) < 0)
                return log_error_errno(errno, "Failed to listen on '%s': %m", address);

        SockAddr bound;
        socklen_t len = sizeof(bound);
        if (getsockname(fd, &bound.sa, &len) == 0)
                log_info("Listening on %s", sockaddr_format(&bound, buf, sizeof(buf)));
        x->listen_fds[x->n_listen++] = TAKE_FD(fd);
        return 0;
}

/* ---- command line --------------------------------------------------------------------- */

static void help(void) {
        printf(_("Usage: netlab-ping --exporter ADDRESS:PORT [OPTIONS]\n"
                 "Prometheus multi-target prober: GET /probe?target=HOST[:PORT]&mode=udp|http|stamp&count=N\n"
                 "&interval=S&timeout=S runs one probe run; GET /metrics serves the prober's own metrics.\n\n"
                 "  --exporter ADDRESS:PORT  listen here (ignored with sockets from systemd); e.g. 127.0.0.1:%u\n"
                 "  --max-count N            largest count= accepted (default 100)\n"
                 "  --min-interval S         smallest interval= accepted (default 0.01)\n"
                 "  --max-timeout S          largest timeout= accepted (default 5)\n"
                 "  --max-duration S         longest run, (count-1)*interval+timeout (default 30)\n"
                 "  --max-concurrent N       runs at once; more are shed (default 256)\n"
                 "  --max-lag S              shed new runs while the loop is this late (default 0.25)\n"
                 "  --allow CIDR             probe only targets in this prefix (repeatable)\n"
                 "  --rtt-histogram          RTT as a histogram instead of a summary\n"
                 "  --target HOST[:PORT]     probe continuously, export the last window in /metrics (repeatable)\n"
                 "  --mode udp|http|stamp    mode of the --target probes (default udp)\n"
                 "  --window S               --target window length (default 60)\n"
                 "  -i, --interval S         --target probe interval (default 1)\n"
                 "  -W, --timeout S          --target probe timeout (default 1)\n"
                 "  --log-level LEVEL        debug, info, notice, warning, error (default info)\n"
                 "  -h, --help               this text\n"),
               EXPORTER_PORT_DEFAULT);
}

static int parse_sec(const char *s, nsec_t *ret) {
        usec_t u;

        if (parse_usec(s, USEC_PER_SEC, &u) < 0 || u == 0 || u > UINT64_MAX / NSEC_PER_USEC)
                return -EINVAL;
        *ret = (nsec_t) u * NSEC_PER_USEC;
        return 0;
}

enum {
        ARG_EXPORTER = 0x100,
        ARG_MAX_COUNT,
        ARG_MIN_INTERVAL,
        ARG_MAX_TIMEOUT,
        ARG_MAX_DURATION,
        ARG_MAX_CONCURRENT,
        ARG_MAX_LAG,
        ARG_ALLOW,
        ARG_HISTOGRAM,
        ARG_TARGET,
        ARG_MODE,
        ARG_WINDOW,
        ARG_LOG_LEVEL,
};

_printf_(1, 2) static int usage(const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "netlab-ping: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        fputs(_("Try 'netlab-ping --exporter --help' for more information.\n"), stderr);
        return 2;
}

static int add_targets(Exporter *x, char **specs, size_t n, PingMode mode, nsec_t window, nsec_t interval,
                       nsec_t timeout) {
        x->targets = calloc(n, sizeof(Target));
        if (!x->targets && n > 0)
                return log_error_errno(-ENOMEM, "Out of memory");
        for (size_t i = 0; i < n; i++) {
                Target *t = &x->targets[i];
                StrBuf b = {};
                int r;

                t->exporter = x;
                t->q = (ExporterQuery) {
                        .mode = mode,
                        .count = MAX(window / interval, (nsec_t) 1),
                        .interval = interval,
                        .timeout = timeout,
                };
                if (strlen(specs[i]) > EXPORTER_TARGET_MAX)
                        return usage(_("Target too long: '%s'"), specs[i]);
                strcpy(t->q.target, specs[i]);
                strbuf_puts(&b, "target=\"");
                prom_text_label_value(&b, specs[i]);
                strbuf_printf(&b, "\",mode=\"%s\"", exporter_query_mode_to_string(mode));
                if (b.error < 0 || b.len >= sizeof(t->labels)) {
                        strbuf_done(&b);
                        return log_error_errno(-ENOMEM, "Out of memory");
                }
                memcpy(t->labels, strbuf_str(&b), b.len + 1);
                strbuf_done(&b);

                r = sd_event_add_time(x->event, &t->timer_source, CLOCK_MONOTONIC, 0, 1000, on_target_timer, t);
                if (r < 0)
                        return log_error_errno(r, "Failed to add a timer: %m");
                /* Spread the targets' first windows over one window, not all at once: a
                 * thousand sockets opened in the same instant would be a lag spike. */
                t->next_start = ping_now(CLOCK_MONOTONIC) + t->q.count * interval * i / n;
                (void) sd_event_source_set_time(t->timer_source, ping_usec_ceil(t->next_start));
                x->n_targets++;
        }
        return 0;
}

int exporter_main(int argc, char *argv[]) {
        static const struct option options[] = { { "exporter", required_argument, NULL, ARG_EXPORTER },
                                                 { "max-count", required_argument, NULL, ARG_MAX_COUNT },
                                                 { "min-interval", required_argument, NULL, ARG_MIN_INTERVAL },
                                                 { "max-timeout", required_argument, NULL, ARG_MAX_TIMEOUT },
                                                 { "max-duration", required_argument, NULL, ARG_MAX_DURATION },
                                                 { "max-concurrent", required_argument, NULL, ARG_MAX_CONCURRENT },
                                                 { "max-lag", required_argument, NULL, ARG_MAX_LAG },
                                                 { "allow", required_argument, NULL, ARG_ALLOW },
                                                 { "rtt-histogram", no_argument, NULL, ARG_HISTOGRAM },
                                                 { "target", required_argument, NULL, ARG_TARGET },
                                                 { "mode", required_argument, NULL, ARG_MODE },
                                                 { "window", required_argument, NULL, ARG_WINDOW },
                                                 { "interval", required_argument, NULL, 'i' },
                                                 { "timeout", required_argument, NULL, 'W' },
                                                 { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                                                 { "help", no_argument, NULL, 'h' },
                                                 {} };
        Exporter x = {
                .limits = {
                        .max_count = 100,
                        .min_interval = 10 * NSEC_PER_MSEC,
                        .max_timeout = 5 * NSEC_PER_SEC,
                        .max_duration = 30 * NSEC_PER_SEC,
                },
                .max_concurrent = 256,
                .max_lag = 250 * USEC_PER_MSEC,
                .proc.version = PACKAGE_VERSION,
        };
        _cleanup_free_ char **specs = NULL;
        size_t n_specs = 0;
        const char *address = NULL;
        PingMode mode = PING_MODE_UDP;
        nsec_t window = 60 * NSEC_PER_SEC, interval = NSEC_PER_SEC, timeout = NSEC_PER_SEC, t;
        int level = LOG_INFO, c, r;
        uint64_t u;

        specs = calloc((size_t) argc, sizeof(char *));
        if (!specs)
                return 1;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hi:W:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_EXPORTER:
                        address = optarg;
                        break;
                case ARG_MAX_COUNT:
                        if (safe_atou64(optarg, &x.limits.max_count) < 0 || x.limits.max_count == 0 ||
                            x.limits.max_count > 100000)
                                return usage(_("Invalid --max-count '%s' (1..100000)"), optarg);
                        break;
                case ARG_MIN_INTERVAL:
                        if (parse_sec(optarg, &x.limits.min_interval) < 0)
                                return usage(_("Invalid --min-interval '%s'"), optarg);
                        break;
                case ARG_MAX_TIMEOUT:
                        if (parse_sec(optarg, &x.limits.max_timeout) < 0)
                                return usage(_("Invalid --max-timeout '%s'"), optarg);
                        break;
                case ARG_MAX_DURATION:
                        if (parse_sec(optarg, &x.limits.max_duration) < 0 ||
                            x.limits.max_duration > 3600 * NSEC_PER_SEC)
                                return usage(_("Invalid --max-duration '%s' (at most 1h)"), optarg);
                        break;
                case ARG_MAX_CONCURRENT:
                        if (safe_atou64(optarg, &u) < 0 || u == 0 || u > 65536)
                                return usage(_("Invalid --max-concurrent '%s' (1..65536)"), optarg);
                        x.max_concurrent = (unsigned) u;
                        break;
                case ARG_MAX_LAG:
                        if (parse_sec(optarg, &t) < 0)
                                return usage(_("Invalid --max-lag '%s'"), optarg);
                        x.max_lag = t / NSEC_PER_USEC;
                        break;
                case ARG_ALLOW:
                        if (x.n_allow >= EXPORTER_ALLOW_MAX)
                                return usage(_("Too many --allow prefixes (at most 64): '%s'"), optarg);
                        if (sockaddr_cidr_parse(optarg, &x.allow[x.n_allow]) < 0)
                                return usage(_("Invalid --allow prefix '%s' (ADDRESS[/LEN])"), optarg);
                        x.n_allow++;
                        break;
                case ARG_HISTOGRAM:
                        x.histogram = true;
                        break;
                case ARG_TARGET:
                        if (n_specs >= EXPORTER_TARGETS_MAX)
                                return usage(_("Too many --target flags: '%s'"), optarg);
                        specs[n_specs++] = optarg;
                        break;
                case ARG_MODE:
                        r = exporter_query_mode_from_string(optarg);
                        if (r < 0)
                                return usage(_("Invalid --mode '%s' (udp, http or stamp)"), optarg);
                        mode = (PingMode) r;
                        break;
                case ARG_WINDOW:
                        if (parse_sec(optarg, &window) < 0)
                                return usage(_("Invalid --window '%s'"), optarg);
                        break;
                case 'i':
                        if (parse_sec(optarg, &interval) < 0)
                                return usage(_("Invalid interval '%s'"), optarg);
                        break;
                case 'W':
                        if (parse_sec(optarg, &timeout) < 0)
                                return usage(_("Invalid timeout '%s'"), optarg);
                        break;
                case ARG_LOG_LEVEL:
                        level = log_level_from_string(optarg);
                        if (level < 0)
                                return usage(_("Invalid --log-level '%s'"), optarg);
                        break;
                default:
                        fputs(_("Try 'netlab-ping --exporter --help' for more information.\n"), stderr);
                        return 2;
                }
        if (optind < argc)
                return usage(_("Unexpected argument '%s'"), argv[optind]);
        if (!address)
                return usage("%s", _("--exporter needs ADDRESS:PORT"));
        if (n_specs > 0 && window < interval)
                return usage(_("--window is shorter than the interval"));

        /* Each run allocates a Stats with two 295 KiB histograms and a prober with a 64 KiB
         * receive buffer, of which it touches a few pages. A fixed mmap threshold keeps such blocks mmap()ed (untouched pages cost no
         * memory); glibc's sliding threshold would move them to the heap after the first
         * free(), where calloc() must zero, i.e. touch, all of them. */
        (void) mallopt(M_MMAP_THRESHOLD, 32 * 1024);

        log_setup("netlab-ping", /* prefix= */ true, /* timestamps= */ !getenv("JOURNAL_STREAM"));
        log_set_max_level(level);
        x.proc.start_time = now_real_sec();

        r = sd_event_new(&x.event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), 1;
        r = sd_event_add_signal(x.event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_stop, &x);
        if (r >= 0)
                r = sd_event_add_signal(x.event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_stop, &x);
        if (r < 0) {
                log_error_errno(r, "Failed to install signal handlers: %m");
                goto fail;
        }
        (void) signal(SIGPIPE, SIG_IGN);

        r = exporter_resolver_new(x.event, &x.resolver);
        if (r < 0) {
                log_error_errno(r, "Failed to set up name lookups: %m");
                goto fail;
        }
        r = listen_on(&x, address);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < x.n_listen; i++) {
                r = sd_event_add_io(x.event, &x.listen_sources[i], x.listen_fds[i], EPOLLIN,
                                    exporter_on_accept, &x);
                if (r < 0) {
                        log_error_errno(r, "Failed to watch the listening socket: %m");
                        goto fail;
                }
                (void) sd_event_source_set_exit_on_failure(x.listen_sources[i], true);
        }
        x.tick_due = ping_usec_ceil(ping_now(CLOCK_MONOTONIC)) + TICK_USEC;
        r = sd_event_add_time(x.event, &x.tick_source, CLOCK_MONOTONIC, x.tick_due, 1, on_tick, &x);
        if (r < 0) {
                log_error_errno(r, "Failed to add the tick timer: %m");
                goto fail;
        }
        (void) sd_event_source_set_enabled(x.tick_source, SD_EVENT_ON);
        /* The tick measures how late timers fire: it must not itself wait behind I/O. */
        (void) sd_event_source_set_priority(x.tick_source, SD_EVENT_PRIORITY_IMPORTANT);

        r = add_targets(&x, specs, n_specs, mode, window, interval, timeout);
        if (r != 0)
                goto fail;

        log_info("Ready: /probe (count <= %llu, %u concurrent)%s", (unsigned long long) x.limits.max_count,
                 x.max_concurrent, n_specs > 0 ? ", /metrics with --target windows" : "");
        (void) sd_notify(false, "READY=1\nSTATUS=Serving");
        r = sd_event_loop(x.event);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                goto fail;
        }
        exporter_done(&x);
        return 0;

fail:
        exporter_done(&x);
        return r == 2 ? 2 : 1;
}
