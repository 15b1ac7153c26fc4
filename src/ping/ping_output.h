/* ping_output.h — everything netlab-ping prints: per-probe lines (ping's wording), the
 * summary, the interim line for SIGQUIT, the --json document (format_version 1), the
 * --json-lines records and the --histogram table. Pure: each function formats into the
 * FILE * it is given (stdout, or a memory stream in the tests) and reads nothing else. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define PING_JSON_FORMAT_VERSION 1

typedef enum PingEventKind {
        PING_EVENT_REPLY,               /* first reply within the timeout */
        PING_EVENT_DUP,                 /* another copy of an answered probe */
        PING_EVENT_LATE,                /* first reply after the timeout */
        PING_EVENT_TIMEOUT,             /* no reply within the timeout */
        PING_EVENT_UNREACHABLE,         /* ICMP port (or host) unreachable for this probe */
        PING_EVENT_ERROR,               /* HTTP: connection/protocol error, or non-2xx status */
        _PING_EVENT_MAX,
} PingEventKind;

typedef struct PingEvent {
        PingEventKind kind;
        uint64_t seq;
        uint64_t wall_usec;             /* CLOCK_REALTIME when it happened (-D, JSON) */
        size_t bytes;                   /* reply datagram size; HTTP: body bytes */
        nsec_t rtt;                     /* REPLY, DUP, LATE (time since sending) */
        bool reordered;
        bool has_server;                /* a netlab-stamped reply */
        nsec_t server_hold;             /* server tx - rx */
        const char *error;              /* UNREACHABLE/ERROR: what happened (borrowed) */
        /* HTTP mode */
        int http_status;                /* 0 if no status line was received */
        nsec_t http_connect;            /* 0 when the connection was reused */
        nsec_t http_ttfb;               /* request written -> first response byte */
} PingEvent;

typedef enum PingMode {
        PING_MODE_UDP,
        PING_MODE_HTTP,
} PingMode;

/* What was asked for, as printed in the header and the JSON "target"/"options". */
typedef struct PingOutputConf {
        PingMode mode;
        const char *host;               /* as typed (borrowed) */
        const char *address;            /* numeric address (borrowed) */
        uint16_t port;
        const char *url;                /* HTTP mode */
        size_t size;                    /* UDP datagram bytes */
        uint64_t count;                 /* 0 = until interrupted */
        nsec_t interval, timeout, deadline;     /* deadline 0 = none */
        bool flood;
        bool quiet;                     /* -q */
        bool timestamps;                /* -D */
        bool json;                      /* --json: one document at the end, nothing else on stdout */
        bool json_lines;                /* --json-lines: one record per probe plus a summary record */
        unsigned histogram_bins;        /* --histogram[=N]: linear bins; 0 = no histogram */
        bool verbose;                   /* -v: print zero-valued summary categories too */
} PingOutputConf;

/* The end-of-run data on top of the Stats. */
typedef struct PingSummary {
        const Stats *stats;             /* borrowed */
        nsec_t elapsed;                 /* first send to end */
        uint64_t start_wall_usec;
        bool interrupted;               /* SIGINT or deadline ended the run */
        /* HTTP mode */
        StatsWelford http_connect;      /* ns, new connections only */
        StatsWelford http_ttfb;         /* ns */
        uint64_t http_errors;           /* no status: refused, reset, timeout, bad response */
        uint64_t http_non2xx;
        uint64_t http_body_bytes;
        uint64_t http_connections;
} PingSummary;

/* Writes @s as a JSON string literal (quotes included), escaping per RFC 8259 §7; NULL
 * prints null. Bytes >= 0x80 pass through (callers pass UTF-8 or ASCII). */
void ping_output_json_string(FILE *f, const char *s);

/* Formats @ns as milliseconds with at least 3 significant digits and at least 3 decimals
 * ("0.0491", "0.412", "20.001", "1203.000") into @buf; returns @buf. */
char *ping_output_format_ms(char *buf, size_t len, nsec_t ns);

/* "NETLAB-PING host (addr) port P: N bytes" / "NETLAB-PING url (addr:port)". Text mode
 * only: prints nothing when --json or --json-lines is set. */
void ping_output_header(FILE *f, const PingOutputConf *c);

/* One probe outcome: a ping-style line, or a JSON record with --json-lines, or nothing
 * with -q or --json. */
void ping_output_event(FILE *f, const PingOutputConf *c, const PingEvent *e);

/* The SIGQUIT line: "sent/received probes, loss%, min/avg/max ms". Always text. */
void ping_output_interim(FILE *f, const PingOutputConf *c, const PingSummary *s);

/* The end-of-run report: text summary (plus the histogram with --histogram), or the
 * --json document, or a {"type":"summary",...} record with --json-lines. */
void ping_output_summary(FILE *f, const PingOutputConf *c, const PingSummary *s);

/* Error path of --json/--json-lines: a complete document
 * {"format_version":1,"error":{"message":...,"exit_status":N}} so stdout stays valid JSON. */
void ping_output_json_error(FILE *f, const char *message, int exit_status);

/* Plain-text histogram of @h: about 2-3 rows per decade (1-2-5 steps) between min and max,
 * each with its range in ms, count, cumulative % and a bar. */
void ping_output_histogram(FILE *f, const StatsHist *h);
