/* exporter_query.h — PURE: the query string of the exporter's GET /probe
 * (?target=HOST[:PORT]&mode=udp|http|stamp&count=N&interval=S&timeout=S), percent-decoded
 * and checked against the limits the operator set by flags. No I/O, no allocation, no
 * globals; tests/test_exporter_query.c tables it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ping_output.h"
#include "stats.h"

#define EXPORTER_TARGET_MAX 255 /* decoded target= bytes (a DNS name is <= 253) */
#define EXPORTER_COUNT_DEFAULT 5
#define EXPORTER_INTERVAL_DEFAULT (100 * NSEC_PER_MSEC)
#define EXPORTER_TIMEOUT_DEFAULT (500 * NSEC_PER_MSEC)

/* The operator's caps (flags of --exporter, netlab-ping(1)); safe defaults in exporter.c. */
typedef struct ExporterLimits {
        uint64_t max_count;  /* count= above this is refused */
        nsec_t min_interval; /* interval= below this is refused */
        nsec_t max_timeout;  /* timeout= above this is refused */
        nsec_t max_duration; /* (count - 1) * interval + timeout above this is refused */
} ExporterLimits;

typedef struct ExporterQuery {
        char target[EXPORTER_TARGET_MAX + 1]; /* decoded, NUL-terminated */
        PingMode mode;
        uint64_t count;
        nsec_t interval;
        nsec_t timeout;
} ExporterQuery;

/* Parses the query @q[0..len) (without the '?'; @q may be NULL when there is none).
 * Parameters are name=value pairs separated by '&', percent-decoded (RFC 3986 §2.1; '+'
 * is a space, as HTML forms send it). target= is required; mode= defaults to udp, count=
 * to EXPORTER_COUNT_DEFAULT, interval= and timeout= (seconds, or with a unit: "250ms") to
 * EXPORTER_INTERVAL_DEFAULT and EXPORTER_TIMEOUT_DEFAULT. Unknown names are ignored (a
 * Prometheus job may carry parameters for other tools, e.g. "module"). Returns 0 and fills
 * *ret, or -EINVAL with a static, one-line reason in *reterr_reason:
 *   missing or empty target, a parameter given twice, a bad escape or a NUL, a bad
 *   number, count 0 or above max_count, interval below min_interval, timeout 0 or above
 *   max_timeout, the whole probe longer than max_duration, an unknown mode,
 * or -ENAMETOOLONG when the decoded target exceeds EXPORTER_TARGET_MAX. */
int exporter_query_parse(const char *q, size_t len, const ExporterLimits *limits, ExporterQuery *ret,
                         const char **reterr_reason);

/* "udp", "http", "stamp"; NULL for another value. */
const char *exporter_query_mode_to_string(PingMode m);

/* The inverse; returns the mode or -EINVAL. */
int exporter_query_mode_from_string(const char *s);

/* How long a probe with @q's parameters runs at most: (count - 1) * interval + timeout. */
nsec_t exporter_query_duration(const ExporterQuery *q);
