/* history.c — the ring of one-second samples behind /api/status's "history"
 * (history.h). Pure: daemon.c takes the samples on its timer; metrics.c calls the
 * renderer; calls json only. */
#include <assert.h>

#include "history.h"
#include "macro.h"

void history_push(History *h, const HistorySample *s) {
        assert(h);
        assert(s);

        h->samples[h->head] = *s;
        h->head = (h->head + 1) % HISTORY_SAMPLES;
        if (h->count < HISTORY_SAMPLES)
                h->count++;
}

const HistorySample *history_get(const History *h, size_t age) {
        assert(h);

        if (age >= h->count)
                return NULL;
        return &h->samples[(h->head + HISTORY_SAMPLES - 1 - age) % HISTORY_SAMPLES];
}

void history_render_json(const History *h, Json *j, const char *key) {
        static const char *const columns[] = {
                "uptime_seconds", "echo_received", "echo_replied", "echo_dropped",  "echo_bytes_out",
                "http_requests",  "http_errors",   "http_bytes",   NULL,
        };

        assert(h);
        assert(j);

        json_object_open(j, key);
        json_u64(j, "interval_seconds", HISTORY_INTERVAL_USEC / USEC_PER_SEC);
        json_strv(j, "columns", (char *const *) columns);
        json_array_open(j, "samples");
        for (size_t age = h->count; age > 0; age--) {
                const HistorySample *s = &h->samples[(h->head + HISTORY_SAMPLES - age) % HISTORY_SAMPLES];

                json_array_open(j, NULL);
                json_fixed(j, NULL, (double) s->uptime_usec / USEC_PER_SEC, 3);
                json_u64(j, NULL, s->echo_received);
                json_u64(j, NULL, s->echo_replied);
                json_u64(j, NULL, s->echo_dropped);
                json_u64(j, NULL, s->echo_bytes_out);
                json_u64(j, NULL, s->http_requests);
                json_u64(j, NULL, s->http_errors);
                json_u64(j, NULL, s->http_bytes);
                json_array_close(j);
        }
        json_array_close(j);
        json_object_close(j);
}
