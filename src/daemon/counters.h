/* counters.h — the services' counter structs and one descriptor table per service. The
 * echo and HTTP services increment the structs; metrics.c renders /metrics and
 * /api/status from the tables and daemon.c's SIGUSR1/STATUS= line comes from
 * counters_format_summary(), so a counter is named, explained and placed once, here and
 * in counters.c. Sits below echo, http_* and metrics; includes only strbuf.h and
 * http_reason.h (the enum that sizes the bad-request counters). */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "http_reason.h"
#include "strbuf.h"

/* Monotonic counters of the UDP echo since start (never reset by reload). */
typedef struct EchoCounters {
        uint64_t received;              /* datagrams read from the sockets */
        uint64_t replied;               /* replies sent (duplicates included) */
        uint64_t dropped_loss;          /* dropped on purpose by the loss model */
        uint64_t dropped_rate_limit;    /* per-source token bucket empty */
        uint64_t dropped_low_port;      /* source port < 1024 and allow_low_ports = false */
        uint64_t dropped_self;          /* from one of our own echo ports: would reply to ourselves */
        uint64_t dropped_loop;          /* our own reply coming back from another echo service */
        uint64_t dropped_queue_full;    /* delay queue at max_queue */
        uint64_t dropped_too_big;       /* larger than max_payload */
        uint64_t truncated;             /* MSG_TRUNC: larger than our receive buffer */
        uint64_t send_errors;           /* EAGAIN/ENOBUFS/... on send: reply lost */
        uint64_t duplicated;            /* extra copies sent */
        uint64_t reordered;             /* replies held back behind later ones */
        uint64_t delayed;               /* replies that went through the delay queue */
        uint64_t probes;                /* datagrams that were netlab probes */
        uint64_t bytes_in;
        uint64_t bytes_out;
        uint64_t oom;                   /* allocation failures survived (part of netlab_oom_total) */
} EchoCounters;

/* Counters of the STAMP reflector beyond the echo's (its EchoCounters are rendered with
 * service="stamp"). */
typedef struct StampCounters {
        uint64_t requests;              /* Session-Sender test packets parsed (>= 44 octets) */
        uint64_t invalid;               /* shorter than 44 octets: not STAMP, not answered */
        uint64_t tlv_malformed;         /* requests answered with M set on a TLV (RFC 8972 §4) */
        uint64_t tlv_unrecognized;      /* TLVs answered with U set: type not understood */
} StampCounters;

/* Why an HTTP connection's deadline passed (netlab_http_timeouts_total{kind}). Only
 * "idle" is normal operation; the others mean a client that started and did not finish. */
typedef enum HttpTimeoutKind {
        HTTP_TIMEOUT_IDLE,              /* no request in progress: keep-alive idle, or opened and silent */
        HTTP_TIMEOUT_HEADER,            /* request head not complete within header_timeout (408) */
        HTTP_TIMEOUT_BODY,              /* request body to skip not complete within header_timeout */
        HTTP_TIMEOUT_SEND,              /* no response byte accepted by the peer within send_timeout */
        HTTP_TIMEOUT_LIFETIME,          /* response averaged below min_send_rate */
        HTTP_TIMEOUT_LINGER,            /* after an error reply the peer did not close within 2 s */
        _HTTP_TIMEOUT_MAX,
        _HTTP_TIMEOUT_INVALID = -EINVAL,
} HttpTimeoutKind;

/* One classroom profile's counters since start (kept across reloads while the profile's
 * name stays): the datagrams classified into it and their fates. */
typedef struct EchoProfileCounters {
        uint64_t received; /* classified into the profile (after admission) */
        uint64_t replied;  /* decided to answer (a duplicate counts once) */
        uint64_t dropped_loss;
        uint64_t dropped_rate_limit; /* over one of its per-source budgets */
        uint64_t dropped_loop;       /* our own reply coming back from another echo service */
        uint64_t dropped_queue_full;
} EchoProfileCounters;

/* Monotonic counters of the HTTP service since start. */
typedef struct HttpCounters {
        uint64_t connections_accepted;
        uint64_t connections_rejected;  /* the sum of the two below */
        uint64_t rejected_resources;    /* accept() out of fds/memory, or set-up failed after it */
        uint64_t rejected_per_source;   /* the address already held max_connections_per_source */
        uint64_t connections_evicted;   /* idle keep-alive closed at max_connections for a new one */
        uint64_t requests;
        uint64_t dashboard_requests;    /* of those, to the status, metrics and flows paths */
        uint64_t responses_by_class[6]; /* index 1..5: 1xx..5xx */
        uint64_t response_bytes;        /* head + body bytes written */
        uint64_t timeouts;              /* the sum of timeouts_by_kind */
        uint64_t timeouts_by_kind[_HTTP_TIMEOUT_MAX];
        uint64_t bad_requests;          /* answered 400/413/414/431/501/505 and closed */
        uint64_t bad_requests_by_reason[_HTTP_REASON_MAX];   /* the same, by HttpReason */
        uint64_t oom;                   /* allocation failures survived (part of netlab_oom_total) */
} HttpCounters;

/* What a service's table describes: its counters plus the gauges the daemon reads from
 * the service when it takes a snapshot. Every field a table names is a uint64_t. */
typedef struct EchoStats {
        EchoCounters counters;
        uint64_t queued_replies;        /* delayed replies held now */
        uint64_t flows;                 /* entries in the flow table */
} EchoStats;

typedef struct StampStats {
        StampCounters counters;
} StampStats;

typedef struct HttpStats {
        HttpCounters counters;
        uint64_t open_connections;
} HttpStats;

typedef enum CounterType {
        COUNTER_TYPE_COUNTER,           /* Prometheus "counter": only ever grows */
        COUNTER_TYPE_GAUGE,             /* Prometheus "gauge": a level */
        _COUNTER_TYPE_MAX,
        _COUNTER_TYPE_INVALID = -EINVAL,
} CounterType;

/* Where a row appears. */
typedef enum CounterShow {
        COUNTER_SHOW_PROMETHEUS = 1 << 0,
        COUNTER_SHOW_JSON = 1 << 1,
        COUNTER_SHOW_SUMMARY = 1 << 2,
        COUNTER_SHOW_ALL = COUNTER_SHOW_PROMETHEUS | COUNTER_SHOW_JSON | COUNTER_SHOW_SUMMARY,
} CounterShow;

typedef struct CounterDesc {
        const char *name;               /* Prometheus family; rows of one family are adjacent */
        const char *label;              /* the sample's labels without braces ("reason=\"loss\""), or NULL */
        const char *help;               /* HELP of the family (read from its first row) */
        CounterType type;
        size_t offset;                  /* of the uint64_t in EchoStats / StampStats / HttpStats */
        const char *json;               /* member name; "group.key" nests inside object "group" */
        const char *summary;            /* words before the value in the summary line */
        unsigned show;                  /* CounterShow bits */
} CounterDesc;

/* The tables, in the order of /metrics (and of /api/status and the summary). Each ends
 * with a row whose name is NULL. */
extern const CounterDesc counters_echo[];     /* the echo and the STAMP reflector, by service */
extern const CounterDesc counters_stamp[];
extern const CounterDesc counters_http[];

/* The value row @d describes in @stats (an EchoStats for counters_echo, a StampStats for
 * counters_stamp, an HttpStats for counters_http; borrowed). */
uint64_t counters_value(const CounterDesc *d, const void *stats);

/* Appends the one-line summary of @stats to @b ("received 10, replied 9, dropped: loss 1,
 * ..."): every row of @table with COUNTER_SHOW_SUMMARY, as "<summary> <value>", joined by
 * ", ". Errors latch in @b (strbuf.h). */
void counters_format_summary(StrBuf *b, const CounterDesc *table, const void *stats);
