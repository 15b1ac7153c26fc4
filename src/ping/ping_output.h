/* ping_output.h — everything netlab-ping prints: per-probe lines (ping's wording), the
 * summary, the interim line for SIGQUIT, the --json document, the --json-lines records
 * (start, probe, interim, summary) and the --histogram table. Every word the user reads
 * is in ping_output.c; the JSON is written by ping_output_json.c. Pure: each function formats into the FILE * it is given (stdout,
 * or a memory stream in the tests) and reads nothing else. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

/* Version 2 (netlab-ping(1) lists the changes): --json-lines records carry "type"
 * (start, probe, interim, summary), HTTP ttfb is measured from the start of the request,
 * network loss no longer includes late replies, bursts and the final counters added. */
#define PING_JSON_FORMAT_VERSION 2
#define PING_HTTP_STATUS_MAX 600        /* status codes counted per value: 100..599 */

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
        int ttl;                        /* STAMP: TTL/Hop Limit the reflector saw; 0 = none */
        const char *error;              /* UNREACHABLE/ERROR: what happened (borrowed) */
        /* HTTP mode: the phases as curl's -w names them, each measured from the start of
         * the request (before connect()), so connect <= pretransfer <= ttfb <= rtt */
        int http_status;                /* 0 if no status line was received */
        nsec_t http_connect;            /* TCP handshake done; 0 when the connection was reused */
        nsec_t http_pretransfer;        /* request written; 0 if it never was */
        nsec_t http_ttfb;               /* first response byte; 0 if none came */
} PingEvent;

typedef enum PingMode {
        PING_MODE_UDP,
        PING_MODE_HTTP,
        PING_MODE_STAMP,                /* STAMP Session-Sender (RFC 8762), issue 16 */
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

/* HTTP phases (see PingEvent), over the successful requests. */
typedef enum PingHttpPhase {
        PING_HTTP_PHASE_CONNECT,        /* curl: time_connect (new connections only) */
        PING_HTTP_PHASE_PRETRANSFER,    /* curl: time_pretransfer */
        PING_HTTP_PHASE_TTFB,           /* curl: time_starttransfer */
        PING_HTTP_PHASE_TOTAL,          /* curl: time_total */
        _PING_HTTP_PHASE_MAX,
} PingHttpPhase;

typedef struct PingHttpPhaseStats {
        StatsWelford w;                 /* ns */
        StatsHist h;                    /* ns, for the median */
} PingHttpPhaseStats;

/* The end-of-run data on top of the Stats. */
typedef struct PingSummary {
        const Stats *stats;             /* borrowed */
        nsec_t elapsed;                 /* first send to end */
        uint64_t start_wall_usec;
        bool interrupted;               /* SIGINT or deadline ended the run */
        /* HTTP mode */
        const PingHttpPhaseStats *http_phases;  /* borrowed, [_PING_HTTP_PHASE_MAX]; may be NULL */
        uint64_t http_errors;           /* no status: refused, reset, timeout, bad response */
        uint64_t http_non2xx;
        uint64_t http_status[PING_HTTP_STATUS_MAX];     /* responses per status code */
        uint64_t http_body_bytes;
        uint64_t http_connections;
} PingSummary;

/* Formats @ns as milliseconds with at least 3 significant digits and at least 3 decimals
 * ("0.0491", "0.412", "20.001", "1203.000") into @buf; returns @buf. */
char *ping_output_format_ms(char *buf, size_t len, nsec_t ns);

/* The decimals ping_output_format_ms() would use for the smallest non-zero value of
 * @v[0..n): a line that prints several times uses this one width for all of them. */
int ping_output_ms_decimals(const nsec_t *v, size_t n);

/* @ns as milliseconds with exactly @decimals decimals; returns @buf. */
char *ping_output_format_ms_fixed(char *buf, size_t len, nsec_t ns, int decimals);

/* "NETLAB-PING host (addr) port P: N bytes" / "NETLAB-PING url (addr port P): HTTP GET";
 * with --json-lines the {"type":"start",...} record; nothing with --json. */
void ping_output_header(FILE *f, const PingOutputConf *c);

/* One probe outcome: a ping-style line, or a JSON record with --json-lines, or nothing
 * with -q or --json. */
void ping_output_event(FILE *f, const PingOutputConf *c, const PingEvent *e);

/* The SIGQUIT report: the line "received/sent packets, loss%, min/avg/p50/max ms", or with
 * --json-lines a {"type":"interim",...} record (the caller picks the stream: stderr for
 * the text line, stdout for the record). */
void ping_output_interim(FILE *f, const PingOutputConf *c, const PingSummary *s);

/* The end-of-run report: text summary (plus the histogram with --histogram), or the
 * --json document, or a {"type":"summary",...} record with --json-lines. */
void ping_output_summary(FILE *f, const PingOutputConf *c, const PingSummary *s);

/* Error path of --json/--json-lines: a complete document
 * {"format_version":N,"error":{"message":...,"exit_status":N}} so stdout stays valid JSON. */
void ping_output_json_error(FILE *f, const char *message, int exit_status);

/* Plain-text histogram of @h: @bins rows of equal width from the observed min to max
 * (one row if they are equal), under the header "bin (ms)  count  cumulative", each with
 * its range in ms, its count, the cumulative % and a bar. Rows are counted from the HDR
 * buckets, so a value sits in the row of its bucket's midpoint (within 1/2048). */
void ping_output_histogram(FILE *f, const StatsHist *h, unsigned bins);

/* ---- for the module's own two files, ping_output.c and ping_output_json.c ------------ */
/* ping_output_json.c has no header of its own, so that the two files include one way only
 * (ping_output_json.c -> ping_output.h). Not for other modules. */

/* In ping_output.c: the percentiles the text and the JSON summaries report (p50, p90,
 * p99, p99.9). */
#define PING_OUTPUT_N_PERCENTILES 4
extern const double ping_output_percentiles[PING_OUTPUT_N_PERCENTILES];

/* 100 * @part / @whole, or 0 when @whole is 0. */
static inline double ping_output_percent(uint64_t part, uint64_t whole) {
        return whole > 0 ? 100.0 * (double) part / (double) whole : 0;
}

/* One row of the histogram, in ns; the last row includes hi. */
typedef struct PingOutputHistRow {
        uint64_t lo, hi;
        uint64_t count;
} PingOutputHistRow;

/* In ping_output.c. The rows a histogram of @h with at most @bins rows has (1 when all
 * values are equal; never more than distinct nanoseconds), and row @i of @bins equal
 * rows between the observed min and max. */
unsigned ping_output_hist_bins(const StatsHist *h, unsigned bins);
PingOutputHistRow ping_output_hist_row(const StatsHist *h, unsigned bins, unsigned i);

/* In ping_output_json.c; ping_output_header(), _event(), _interim() and _summary() call
 * them for --json-lines (and _summary() for --json: @record false, no "type" key). */
void ping_output_json_start(FILE *f, const PingOutputConf *c);
void ping_output_json_event(FILE *f, const PingOutputConf *c, const PingEvent *e);
void ping_output_json_interim(FILE *f, const PingOutputConf *c, const PingSummary *s);
void ping_output_json_summary(FILE *f, const PingOutputConf *c, const PingSummary *s, bool record);
