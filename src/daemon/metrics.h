/* metrics.h — PURE observability: per-request HTTP counters and a duration histogram
 * (MetricsHttp, incremented by http_conn.c), the renderers for /metrics (Prometheus text
 * exposition format 0.0.4) and /api/status (JSON), and the status_allow access check.
 *
 * Nothing here reads a clock, does I/O, logs or keeps globals: the daemon fills a
 * MetricsSnapshot (counters, gauges, one Conf pointer, the times) and the renderers only
 * format it, walking the counter tables of counters.c. Because the daemon is one
 * single-threaded sd-event loop and the snapshot refers to exactly one Conf, a scrape
 * during a reload is always consistent: it shows either the old or the new
 * configuration, never a mix. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "counters.h"
#include "history.h"
#include "http_parse.h"
#include "time_util.h"

/* Request-duration histogram bucket upper bounds, in microseconds (Prometheus "le"
 * values 0.0001 s .. 10 s); one more implicit bucket is +Inf. */
#define METRICS_DURATION_BUCKETS_USEC                                                   \
        100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,   \
        1000000, 2500000, 5000000, 10000000
#define METRICS_N_DURATION_BUCKETS 17   /* the 16 bounds above + "+Inf" */

/* Status codes 100..599 are counted individually; anything else is a caller bug and is
 * counted as METRICS_STATUS_OTHER (rendered as code="other"). */
#define METRICS_STATUS_MIN 100
#define METRICS_STATUS_MAX 599
#define METRICS_N_STATUS (METRICS_STATUS_MAX - METRICS_STATUS_MIN + 2)

/* Request methods as a metric label: HttpMethod (parsed once, by http_parse) plus one
 * "other" slot for a request whose line never parsed. A fixed set keeps the label
 * cardinality bounded whatever a client sends. */
#define METRICS_METHOD_OTHER _HTTP_METHOD_MAX
#define METRICS_N_METHODS (_HTTP_METHOD_MAX + 1)

/* HTTP request accounting, owned by whoever serves requests (embed it in the
 * HttpServer and expose it read-only). Zero-initialise it; no constructor needed.
 * Never reset: every field is a Prometheus counter. */
typedef struct MetricsHttp {
        uint64_t requests[METRICS_N_METHODS][METRICS_N_STATUS];  /* [method][status - 100] */
        /* Bit i of seen[method] is set once requests[method][i] > 0: a scrape visits only
         * the few cells in use instead of all 5010. */
        uint64_t seen[METRICS_N_METHODS][(METRICS_N_STATUS + 63) / 64];
        uint64_t duration_buckets[METRICS_N_DURATION_BUCKETS];     /* NOT cumulative */
        uint64_t duration_count;
        usec_t duration_sum_usec;
        uint64_t bytes;                 /* sum of @bytes passed to metrics_http_observe() */
} MetricsHttp;

/* The label of row @m of MetricsHttp.requests: "GET" ... "TRACE", "other" for
 * METRICS_METHOD_OTHER; NULL beyond. */
const char *metrics_method_to_string(size_t m);

/* Accounts one finished response: @method as parsed (_HTTP_METHOD_INVALID, or any value
 * outside the enum, when the request line did not parse: counted as "other"), the
 * @status code sent, the time from the first byte of the
 * request to the last byte of the response in µs, and the response bytes (head + body)
 * written. Call it once per response, including error responses (400, 408, 503, ...).
 * Pure and O(log buckets); cannot fail. */
void metrics_http_observe(MetricsHttp *m, HttpMethod method, unsigned status,
                          usec_t duration_usec, uint64_t bytes);

/* One classroom profile as the echo reports it (echo_get_profiles()). */
typedef struct MetricsEchoProfile {
        const char *name;   /* "default" for the unmatched traffic */
        const char *match;  /* "sources 10.0.1.0/24; ports 8083", or "everyone else" */
        const ConfEcho *ce; /* its effective impairment */
        EchoProfileCounters counters;
        uint64_t flows; /* live flows classified into it */
} MetricsEchoProfile;

/* Everything one scrape shows. All pointers are borrowed for the duration of the render
 * call only. A NULL service pointer means "that service is not running" (rendered as
 * zeros in Prometheus, null in JSON). */
typedef struct MetricsSnapshot {
        const Conf *conf;               /* required: the one snapshot in effect */
        const char *version;            /* required: PACKAGE_VERSION */
        const EchoStats *echo;          /* rendered through counters_echo, service="echo" */
        const EchoStats *stamp_echo;    /* the STAMP reflector's: counters_echo, service="stamp" */
        const StampStats *stamp;        /* with stamp_echo: counters_stamp */
        const MetricsEchoProfile *echo_profiles; /* n_echo_profiles, [0] the default */
        size_t n_echo_profiles;
        const HttpStats *http;          /* rendered through counters_http */
        const MetricsHttp *http_requests;
        usec_t start_realtime_usec;     /* process start, CLOCK_REALTIME */
        usec_t now_realtime_usec;       /* time of this scrape, CLOCK_REALTIME */
        usec_t uptime_usec;             /* CLOCK_MONOTONIC now - start (immune to clock steps) */
        uint64_t reloads;               /* successful configuration reloads */
        uint64_t reload_failures;       /* reloads rejected (old configuration kept) */
        uint64_t oom;                   /* allocation failures survived, all services (netlab_oom_total) */
        /* Render the filesystem paths (config.path, config.http.root) in the JSON. The
         * daemon sets it only for a peer that passed a configured status_allow: everyone
         * may read the counters of a lab server, not learn where its files are. */
        bool show_paths;
        const History *history; /* the last two minutes of charted counters, or NULL */
} MetricsSnapshot;

#define METRICS_PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_JSON_CONTENT_TYPE "application/json"

/* Renders @s as Prometheus text exposition 0.0.4 (HELP/TYPE for every family; counters
 * end in _total; durations in seconds; label values escaped). Returns 0 with a malloc'ed,
 * NUL-terminated body in *ret (caller frees) and its length (without the NUL) in
 * *ret_len, or -ENOMEM. */
int metrics_render_prometheus(const MetricsSnapshot *s, char **ret, size_t *ret_len);

/* Renders @s as the /api/status JSON document (version, uptime, effective configuration,
 * all counters and gauges; "path" and "http.root" only with @s->show_paths, and
 * status_allow as a list, [] when everyone may read). Always valid JSON (RFC 8259): strings are escaped, invalid
 * UTF-8 becomes U+FFFD, non-finite numbers become null, 64-bit values that a JavaScript
 * number cannot hold exactly (the seed) are strings. Same return contract as above. */
int metrics_render_json(const MetricsSnapshot *s, char **ret, size_t *ret_len);

/* The status_allow check for metrics and status endpoints. @cidrs is the NULL-terminated
 * list from ConfHttp.status_allow: NULL means "everybody" (the default — a lab server has
 * nothing secret in its counters; conf.c also turns `status_allow = []` into NULL), a
 * non-NULL empty list means "nobody". Returns 1 if @peer
 * (AF_INET or AF_INET6, v4-mapped handled) is inside any entry, 0 if not, 0 as well for
 * other address families (e.g. AF_UNIX: fail closed when a list is configured).
 * Entries that do not parse (sockaddr_cidr_parse()) never match; conf.c rejects them at
 * load time. */
int metrics_peer_allowed(char *const *cidrs, const struct sockaddr *peer);

/* The two renderings of one snapshot, for the daemon's HttpDynamicFunc (the router has
 * already matched the path and checked status_allow). */
typedef enum MetricsFormat {
        METRICS_FORMAT_PROMETHEUS,      /* http.metrics_path */
        METRICS_FORMAT_JSON,            /* http.status_path */
        _METRICS_FORMAT_MAX,
        _METRICS_FORMAT_INVALID = -EINVAL,
} MetricsFormat;

/* Renders @s in @format. Returns 0 with *ret_body (malloc'ed, caller frees), *ret_len and
 * a static *ret_content_type; or -ENOMEM, or -EINVAL for an unknown @format. */
int metrics_serve(const MetricsSnapshot *s, MetricsFormat format, char **ret_body, size_t *ret_len,
                  const char **ret_content_type);
