/* exporter.h — netlab-ping --exporter: a Prometheus multi-target prober on one sd-event
 * loop. GET /probe?target=... runs one probe run (exporter_run.h) and answers its result
 * (exporter_render.h); GET /metrics answers the prober's own metrics and, with --target,
 * the last complete window of each target probed in the background. Listening sockets
 * come from systemd (netlab-ping-exporter.socket) or are bound from ADDRESS:PORT. */
#pragma once

#include <systemd/sd-event.h>

#include "exporter_run.h"
#include "sockaddr.h"

#define EXPORTER_PORT_DEFAULT 9149
#define EXPORTER_HEAD_MAX 8192         /* request head bytes; more is 431 */
#define EXPORTER_CONNECTIONS_MAX 512   /* open client connections; more are closed at accept */
#define EXPORTER_HEADER_TIMEOUT_SEC 10 /* a request head must arrive within this */
#define EXPORTER_TARGETS_MAX 4096      /* --target entries */
#define EXPORTER_ALLOW_MAX 64          /* --allow entries */

/* main() of `netlab-ping --exporter ...` (netlab-ping.c dispatches here when argv has
 * --exporter): parses its own flags (netlab-ping(1), "EXPORTER MODE"), serves until
 * SIGTERM or SIGINT and returns the exit status: 0 after a clean stop, 1 on a runtime
 * error, 2 on a usage error. */
int exporter_main(int argc, char *argv[]);

/* ---- shared by exporter.c (main, process metrics, --target windows, loop) and
 * exporter_http.c (connections); not for other modules ------------------------------- */

#define LAG_TICKS 10 /* the lag gauge is the worst of the last 10 ticks */
#define LISTENERS_MAX 16

typedef enum ConnState {
        CONN_RECV_HEAD, /* EPOLLIN; header timer armed */
        CONN_PROBING,   /* no interest; waiting for the run */
        CONN_SEND,      /* EPOLLOUT until the answer is written */
} ConnState;

typedef struct Exporter Exporter;

typedef struct Conn {
        Exporter *exporter;
        struct Conn *prev, *next;
        int fd;
        ConnState state;
        sd_event_source *io_source;
        sd_event_source *timer_source;
        char head[EXPORTER_HEAD_MAX];
        size_t head_len;
        bool head_only; /* HEAD request */
        char *out;      /* status line + headers + body */
        size_t out_len, out_pos;
        ExporterRun *run;
} Conn;

typedef struct Target {
        Exporter *exporter;
        char labels[EXPORTER_TARGET_MAX * 2 + 64];
        ExporterQuery q;
        ExporterRun *run;           /* the window being measured */
        Stats *last;                /* the last complete window, or NULL */
        ExporterReport last_report; /* its report (stats = last) */
        bool have_last;
        sd_event_source *timer_source; /* next window */
        nsec_t next_start;
} Target;

struct Exporter {
        sd_event *event;
        ExporterResolver *resolver;
        int listen_fds[LISTENERS_MAX];
        sd_event_source *listen_sources[LISTENERS_MAX];
        size_t n_listen;
        Conn *conns;
        size_t n_conns;
        sd_event_source *tick_source;
        uint64_t tick_due;
        usec_t lag_ring[LAG_TICKS];
        unsigned lag_pos;

        ExporterLimits limits;
        unsigned max_concurrent;
        usec_t max_lag;
        SockAddrCidr allow[EXPORTER_ALLOW_MAX];
        size_t n_allow;
        bool histogram;

        Target *targets;
        size_t n_targets;

        uint64_t in_flight;
        ExporterProcess proc;
        bool stopping;                 /* SIGTERM: draining the answers still owed */
        sd_event_source *drain_source; /* bounds the drain */
};

/* Fills x->proc with the process's own CPU, memory and fd figures and the loop's state,
 * for /metrics. */
void exporter_read_process(Exporter *x);

/* Whether a new run may start: NULL if so, else the failure reason ("shed" at
 * --max-concurrent, "overload" above --max-lag), counted in x->proc. */
const char *exporter_admit(Exporter *x);

/* Counts a finished run's success or failure and packets sent in x->proc. */
void exporter_count_result(Exporter *x, const ExporterReport *r);

/* Closes @c and unlinks it from its exporter (freeing its run if any); ends the loop
 * when stopping and it was the last connection. Returns NULL. */
Conn *exporter_conn_free(Conn *c);

/* sd-event EPOLLIN handler of a listening socket (userdata: the Exporter): accepts up to
 * 64 connections, closing those beyond EXPORTER_CONNECTIONS_MAX. Returns 0. */
int exporter_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata);
