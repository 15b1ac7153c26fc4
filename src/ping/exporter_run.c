/* exporter_run.c — one probe run of the exporter (exporter.c starts it for a /probe
 * request or a --target window): target syntax -> name lookup (numeric at once, names
 * through getaddrinfo_a so a slow DNS server does not stall the other runs) -> allow-list
 * -> a Ping with its own Stats driven by ping_udp/ping_stamp/ping_http on the shared loop
 * -> done callback from a defer source. A hard timer bounds the whole run. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter_run.h"
#include "log.h"
#include "ping.h"
#include "ping_cli.h"
#include "ping_http.h"
#include "ping_stamp.h"
#include "ping_udp.h"
#include "stamp.h"

/* Beyond count, interval and timeout: the UDP prober's final counters query (up to one
 * more timeout) and slack for a loaded loop. */
#define RUN_GRACE (2 * NSEC_PER_SEC)

/* ---- resolver ------------------------------------------------------------------------- */

typedef struct ResolveJob {
        struct gaicb req;
        struct addrinfo hints;
        struct sigevent sev;
        char *host;
        char service[16];
        int notify_fd;    /* the resolver's pipe, write end */
        ExporterRun *run; /* NULL once the run is gone: drop the answer */
} ResolveJob;

struct ExporterResolver {
        int pipe[2];
        sd_event_source *source;
        uint64_t outstanding; /* lookups whose answer has not been read */
};

static void run_resolved(ExporterRun *run, const struct addrinfo *ai, int gai_error);

static void job_free(ResolveJob *j) {
        if (!j)
                return;
        if (j->req.ar_result)
                freeaddrinfo(j->req.ar_result);
        free(j->host);
        free(j);
}

/* Runs on a resolver thread of glibc: hands the job to the loop and touches nothing else. */
static void on_lookup_done(union sigval v) {
        ResolveJob *j = v.sival_ptr;

        (void) !write(j->notify_fd, &j, sizeof(j));
}

static int on_resolver_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ExporterResolver *r = userdata;

        for (;;) {
                ResolveJob *j;
                ssize_t n = read(fd, &j, sizeof(j));

                if (n != (ssize_t) sizeof(j))
                        return 0; /* EAGAIN; pointer-sized writes to a pipe are atomic */
                r->outstanding--;
                if (j->run)
                        run_resolved(j->run, j->req.ar_result, gai_error(&j->req));
                job_free(j);
        }
}

int exporter_resolver_new(sd_event *e, ExporterResolver **ret) {
        int r;

        ExporterResolver *res = calloc(1, sizeof(ExporterResolver));
        if (!res)
                return -ENOMEM;
        _cleanup_(exporter_resolver_freep) ExporterResolver *cleanup = res;
        res->pipe[0] = res->pipe[1] = -EBADF;

        if (pipe2(res->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        r = sd_event_add_io(e, &res->source, res->pipe[0], EPOLLIN, on_resolver_readable, res);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(cleanup);
        return 0;
}

ExporterResolver *exporter_resolver_free(ExporterResolver *r) {
        if (!r)
                return NULL;
        sd_event_source_disable_unref(r->source);
        if (r->outstanding == 0) {
                safe_close(r->pipe[0]);
                safe_close(r->pipe[1]);
        }
        free(r);
        return NULL;
}

/* ---- the run -------------------------------------------------------------------------- */

struct ExporterRun {
        sd_event *event;
        ExporterResolver *resolver;
        ExporterQuery q;
        SockAddrCidr *allow;
        size_t n_allow;
        ExporterRunDone done;
        void *userdata;

        Ping ping;
        PingUdp *udp;
        PingStamp *stamp;
        PingHttp *http;
        char *host, *host_header, *path;
        unsigned port;
        int socktype;

        nsec_t t_begin; /* when the run was asked for */
        nsec_t t_end;
        const char *failure; /* static string, NULL = ran */
        bool finished;
        ResolveJob *job;
        sd_event_source *defer_source; /* calls done */
        sd_event_source *limit_source; /* hard end of the run */
        uint64_t http_errors, http_non2xx;
};

static int on_defer(sd_event_source *s, void *userdata) {
        ExporterRun *run = userdata;

        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        run->done(run, run->userdata); /* may free the run */
        return 0;
}

/* Ends the run (once): stop probing, keep Stats, and call done on the next iteration,
 * never from inside the prober's callback that got us here. */
static void run_end(ExporterRun *run, const char *failure) {
        if (run->finished)
                return;
        run->finished = true;
        if (failure && !run->failure)
                run->failure = failure;
        if (run->http) {
                PingSummary s = {};

                ping_http_summary(run->http, &s);
                run->http_errors = s.http_errors;
                run->http_non2xx = s.http_non2xx;
        }
        /* Ran, but nothing came back: say why, as far as we know. */
        const Stats *st = run->ping.stats;
        if (!run->failure && st && st->received == 0)
                run->failure = st->failed == 0               ? "no_reply" :
                               run->q.mode != PING_MODE_HTTP ? "unreachable" :
                               run->http_non2xx > 0          ? "http_status" :
                                                               "connect";
        run->t_end = ping_now(CLOCK_MONOTONIC);
        if (run->udp)
                ping_udp_stop(run->udp);
        if (run->stamp)
                ping_stamp_stop(run->stamp);
        (void) sd_event_source_set_enabled(run->limit_source, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(run->defer_source, SD_EVENT_ONESHOT);
}

static void on_ping_finish(Ping *p, void *userdata) {
        ExporterRun *run = userdata;

        run_end(run, p->error < 0 ? "socket" : NULL);
}

static int on_limit(sd_event_source *s, uint64_t usec, void *userdata) {
        ExporterRun *run = userdata;
        uint64_t seq;

        /* Whatever is still out is lost, as with ping -w. */
        if (run->ping.stats)
                while (stats_expire(run->ping.stats, NSEC_INFINITY, 0, &seq) > 0)
                        ;
        run_end(run, run->ping.stats ? NULL : "timeout");
        return 0;
}

static bool allowed(const ExporterRun *run, const struct sockaddr *sa, socklen_t len) {
        SockAddr a = {};

        if (run->n_allow == 0)
                return true;
        memcpy(&a, sa, MIN((size_t) len, sizeof(a)));
        for (size_t i = 0; i < run->n_allow; i++)
                if (sockaddr_cidr_contains(&run->allow[i], &a))
                        return true;
        return false;
}

static int start_prober(ExporterRun *run) {
        Ping *p = &run->ping;
        int r;

        p->conf = (PingOutputConf) {
                .mode = run->q.mode,
                .host = run->host,
                .port = (uint16_t) run->port,
                .size = run->q.mode == PING_MODE_STAMP ? PING_STAMP_SIZE_DEFAULT : PING_SIZE_DEFAULT,
                .count = run->q.count,
                .interval = run->q.interval,
                .timeout = run->q.timeout,
                .quiet = true,
        };
        p->http_host = run->host_header;
        p->http_path = run->path;

        uint64_t w = run->q.timeout / MAX(run->q.interval, (nsec_t) 1) + 64;
        r = stats_new((size_t) MIN(w, (uint64_t) PING_WINDOW_MAX), &p->stats);
        if (r < 0)
                return r;
        p->summary.stats = p->stats;

        if (run->q.mode == PING_MODE_HTTP)
                return ping_http_new(p, &run->http);
        if (run->q.mode == PING_MODE_STAMP)
                return ping_stamp_new(p, &run->stamp);
        return ping_udp_new(p, &run->udp);
}

static void run_resolved(ExporterRun *run, const struct addrinfo *ai, int gai_err) {
        int r;

        run->job = NULL;
        if (gai_err != 0 || !ai) {
                run_end(run, "resolve");
                return;
        }
        if (!allowed(run, ai->ai_addr, ai->ai_addrlen)) {
                run_end(run, "denied");
                return;
        }
        if (ai->ai_addrlen > sizeof(run->ping.addr) || (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)) {
                run_end(run, "resolve");
                return;
        }
        memcpy(&run->ping.addr, ai->ai_addr, ai->ai_addrlen);

        r = start_prober(run);
        if (r == -ENOMEM) {
                run_end(run, "oom");
                return;
        }
        if (r < 0) {
                log_debug_errno(r, "Failed to start probing '%s': %m", run->q.target);
                run_end(run, "socket");
        }
}

static int resolve(ExporterRun *run) {
        struct addrinfo hints = {
                .ai_socktype = run->socktype,
                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
        };
        struct addrinfo *ai = NULL;
        char service[16];

        snprintf(service, sizeof(service), "%u", run->port);
        if (getaddrinfo(run->host, service, &hints, &ai) == 0) {
                run_resolved(run, ai, 0);
                freeaddrinfo(ai);
                return 0;
        }

        ResolveJob *j = calloc(1, sizeof(ResolveJob));
        if (!j)
                return -ENOMEM;
        j->host = strdup(run->host);
        if (!j->host) {
                free(j);
                return -ENOMEM;
        }
        memcpy(j->service, service, sizeof(service));
        j->hints = (struct addrinfo) {
                .ai_socktype = run->socktype,
                .ai_flags = AI_NUMERICSERV,
        };
        j->req = (struct gaicb) {
                .ar_name = j->host,
                .ar_service = j->service,
                .ar_request = &j->hints,
        };
        j->notify_fd = run->resolver->pipe[1];
        j->run = run;
        j->sev = (struct sigevent) {
                .sigev_notify = SIGEV_THREAD,
                .sigev_value.sival_ptr = j,
                .sigev_notify_function = on_lookup_done,
        };
        struct gaicb *list[1] = { &j->req };
        if (getaddrinfo_a(GAI_NOWAIT, list, 1, &j->sev) != 0) {
                job_free(j);
                run_end(run, "resolve");
                return 0;
        }
        run->resolver->outstanding++;
        run->job = j;
        return 0;
}

static int split_target(ExporterRun *run) {
        if (run->q.mode == PING_MODE_HTTP && strncmp(run->q.target, "http://", 7) == 0)
                return ping_cli_split_url(run->q.target, &run->host, &run->host_header, &run->port, &run->path);

        int r = ping_cli_split_host_port(run->q.target, &run->host, &run->port);
        if (r < 0)
                return r;
        if (run->port == 0)
                run->port = run->q.mode == PING_MODE_STAMP ? STAMP_PORT : PING_DEFAULT_PORT;
        if (run->q.mode == PING_MODE_HTTP) {
                run->path = strdup("/");
                if (strchr(run->q.target, ':') && run->q.target[0] != '[' &&
                    strchr(run->q.target, ':') != strrchr(run->q.target, ':'))
                        r = asprintf(&run->host_header, "[%s]:%u", run->host, run->port);
                else
                        r = asprintf(&run->host_header, "%s:%u", run->host, run->port);
                if (r < 0 || !run->path)
                        return -ENOMEM;
        }
        return 0;
}

int exporter_run_new(sd_event *e, ExporterResolver *res, const ExporterQuery *q, const SockAddrCidr *allow,
                     size_t n_allow, ExporterRunDone done, void *userdata, ExporterRun **ret) {
        int r;

        assert(e);
        assert(res);
        assert(q);
        assert(done);
        assert(ret);

        ExporterRun *run = calloc(1, sizeof(ExporterRun));
        if (!run)
                return -ENOMEM;
        _cleanup_(exporter_run_freep) ExporterRun *cleanup = run;
        run->event = e;
        run->resolver = res;
        run->q = *q;
        run->done = done;
        run->userdata = userdata;
        run->t_begin = ping_now(CLOCK_MONOTONIC);
        run->socktype = q->mode == PING_MODE_HTTP ? SOCK_STREAM : SOCK_DGRAM;
        run->ping.event = e;
        run->ping.on_finish = on_ping_finish;
        run->ping.session_userdata = run;
        if (n_allow > 0) {
                run->allow = malloc(n_allow * sizeof(SockAddrCidr));
                if (!run->allow)
                        return -ENOMEM;
                memcpy(run->allow, allow, n_allow * sizeof(SockAddrCidr));
                run->n_allow = n_allow;
        }

        r = sd_event_add_defer(e, &run->defer_source, on_defer, run);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(run->defer_source, SD_EVENT_OFF);
        r = sd_event_add_time(e, &run->limit_source, CLOCK_MONOTONIC,
                              ping_usec_ceil(run->t_begin + exporter_query_duration(q) + q->timeout + RUN_GRACE),
                              1000, on_limit, run);
        if (r < 0)
                return r;

        r = split_target(run);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                run_end(run, "bad_target");
        else {
                r = resolve(run);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(cleanup);
        return 0;
}

void exporter_run_report(const ExporterRun *run, ExporterReport *ret) {
        assert(run);
        assert(ret);

        *ret = (ExporterReport) {
                .failure = run->failure,
                .stats = run->failure ? NULL : run->ping.stats,
                .duration = (run->finished ? run->t_end : ping_now(CLOCK_MONOTONIC)) - run->t_begin,
                .http_errors = run->http_errors,
                .http_non2xx = run->http_non2xx,
        };
        /* A run that sent probes and then hit a socket error still reports what it saw. */
        if (run->failure && run->ping.stats && run->ping.stats->sent > 0)
                ret->stats = run->ping.stats;
}

Stats *exporter_run_take_stats(ExporterRun *run) {
        assert(run);
        Stats *s = run->ping.stats;
        run->ping.stats = NULL;
        run->ping.summary.stats = NULL;
        return s;
}

uint64_t exporter_run_sent(const ExporterRun *run) {
        return run && run->ping.stats ? run->ping.stats->sent : 0;
}

ExporterRun *exporter_run_free(ExporterRun *run) {
        if (!run)
                return NULL;
        if (run->job)
                run->job->run = NULL; /* the answer is dropped when it arrives */
        run->udp = ping_udp_free(run->udp);
        run->stamp = ping_stamp_free(run->stamp);
        run->http = ping_http_free(run->http);
        stats_free(run->ping.stats);
        sd_event_source_disable_unref(run->ping.deadline_source);
        sd_event_source_disable_unref(run->defer_source);
        sd_event_source_disable_unref(run->limit_source);
        free(run->allow);
        free(run->host);
        free(run->host_header);
        free(run->path);
        free(run);
        return NULL;
}
