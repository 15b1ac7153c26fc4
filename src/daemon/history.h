/* history.h — the server-side history of the status page's charted counters: the last
 * HISTORY_SAMPLES one-second samples, so a page opened mid-lab draws the last two minutes
 * at once instead of starting empty. The daemon samples once a second; /api/status
 * renders the ring as "history". Pure: no I/O, no clock, no logging. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "time_util.h"

#define HISTORY_SAMPLES 120
#define HISTORY_INTERVAL_USEC USEC_PER_SEC

/* Cumulative counters at one moment (the page charts their per-second differences). */
typedef struct HistorySample {
        usec_t uptime_usec;
        uint64_t echo_received, echo_replied, echo_dropped, echo_bytes_out;
        uint64_t http_requests;  /* without the dashboard requests */
        uint64_t http_errors;    /* 4xx + 5xx responses */
        uint64_t http_bytes;     /* response bytes */
} HistorySample;

typedef struct History {
        HistorySample samples[HISTORY_SAMPLES];
        size_t head, count; /* head: where the next sample goes */
} History;

/* Appends @s, dropping the oldest sample when full. */
void history_push(History *h, const HistorySample *s);

/* The sample @age places back from the newest (0 = the newest), or NULL. */
const HistorySample *history_get(const History *h, size_t age);

/* Renders @h as the member @key of the current object: {"interval_seconds": 1,
 * "columns": [...], "samples": [[uptime_seconds, ...], ...]} oldest first. */
void history_render_json(const History *h, Json *j, const char *key);
