/* counters.c — the descriptor tables of the echo and HTTP counters and the generic
 * summary formatter. Pure data plus one formatting loop on strbuf.c; the Prometheus and
 * JSON renderers that walk the same tables are in metrics.c. */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "counters.h"

#define ECHO(field) offsetof(EchoStats, counters.field)
#define HTTP(field) offsetof(HttpStats, counters.field)
#define C COUNTER_TYPE_COUNTER
#define G COUNTER_TYPE_GAUGE
#define ALL COUNTER_SHOW_ALL
#define JSON_SUMMARY (COUNTER_SHOW_JSON | COUNTER_SHOW_SUMMARY)
#define DROPPED "netlab_echo_dropped_total"
#define DROPPED_HELP "Datagrams not answered, by reason (loss = emulated loss on purpose)."
#define PROM_JSON (COUNTER_SHOW_PROMETHEUS | COUNTER_SHOW_JSON)
#define REJECTED "netlab_http_connections_rejected_total"
#define REJECTED_HELP \
        "HTTP connections closed right after accept(), by reason: resources = accept() failed " \
        "with EMFILE, ENFILE, ENOBUFS or ENOMEM or the connection could not be set up; " \
        "per_source = the address already held http.max_connections_per_source (answered 503). " \
        "Connections waiting in the listen backlog at max_connections are not counted."
#define TIMEOUTS "netlab_http_timeouts_total"
#define TIMEOUTS_HELP \
        "HTTP connections closed at a deadline, by kind: idle = no request in progress " \
        "(keepalive_timeout, normal), header = head not complete within header_timeout (408), " \
        "body = request body not complete within header_timeout, send = no progress within " \
        "send_timeout, lifetime = response slower on average than min_send_rate, linger = peer " \
        "did not close after an error reply."
#define TIMEOUT_ROW(kind, KIND) \
        { TIMEOUTS, "kind=\"" kind "\"", TIMEOUTS_HELP, C, HTTP(timeouts_by_kind[HTTP_TIMEOUT_##KIND]), \
          "timeouts_by_kind." kind, NULL, PROM_JSON }

/* clang-format off */
const CounterDesc counters_echo[] = {
        { "netlab_echo_received_total", NULL, "Datagrams received by the UDP echo service.",
          C, ECHO(received), "received", "received", ALL },
        { "netlab_echo_replied_total", NULL, "Echo replies sent, duplicates included.",
          C, ECHO(replied), "replied", "replied", ALL },
        { DROPPED, "reason=\"loss\"", DROPPED_HELP, C, ECHO(dropped_loss), "dropped.loss", "dropped: loss", ALL },
        { DROPPED, "reason=\"rate_limit\"", DROPPED_HELP, C, ECHO(dropped_rate_limit), "dropped.rate_limit",
          "rate limit", ALL },
        { DROPPED, "reason=\"low_port\"", DROPPED_HELP, C, ECHO(dropped_low_port), "dropped.low_port", "low port",
          ALL },
        { DROPPED, "reason=\"self\"", DROPPED_HELP, C, ECHO(dropped_self), "dropped.self", "self", ALL },
        { DROPPED, "reason=\"loop\"", DROPPED_HELP, C, ECHO(dropped_loop), "dropped.loop", "loop", ALL },
        { DROPPED, "reason=\"queue_full\"", DROPPED_HELP, C, ECHO(dropped_queue_full), "dropped.queue_full",
          "queue full", ALL },
        { DROPPED, "reason=\"too_big\"", DROPPED_HELP, C, ECHO(dropped_too_big), "dropped.too_big", "too big",
          ALL },
        { DROPPED, "reason=\"truncated\"", DROPPED_HELP, C, ECHO(truncated), "dropped.truncated", "truncated",
          ALL },
        { DROPPED, "reason=\"send_error\"", DROPPED_HELP, C, ECHO(send_errors), "dropped.send_error",
          "send errors", ALL },
        { "netlab_echo_duplicated_total", NULL, "Extra reply copies sent by the duplicate impairment.",
          C, ECHO(duplicated), "duplicated", "duplicated", ALL },
        { "netlab_echo_reordered_total", NULL, "Replies held back behind later ones by the reorder impairment.",
          C, ECHO(reordered), "reordered", "reordered", ALL },
        { "netlab_echo_delayed_total", NULL, "Replies that went through the delay queue.",
          C, ECHO(delayed), "delayed", "delayed", ALL },
        { "netlab_echo_probes_total", NULL,
          "Received datagrams that were netlab probes (the rest is echoed verbatim).",
          C, ECHO(probes), "probes", "probes", ALL },
        { "netlab_echo_received_bytes_total", NULL, "Payload bytes received by the echo service.",
          C, ECHO(bytes_in), "bytes_in", "bytes in", ALL },
        { "netlab_echo_sent_bytes_total", NULL, "Payload bytes sent by the echo service.",
          C, ECHO(bytes_out), "bytes_out", "bytes out", ALL },
        { "netlab_echo_queued_replies", NULL, "Delayed replies waiting in the delay queue.",
          G, offsetof(EchoStats, queued_replies), "queued_replies", "queued", ALL },
        { "netlab_echo_flows", NULL, "Entries in the per-flow table.",
          G, offsetof(EchoStats, flows), "flows", "flows", ALL },
        /* Rendered summed over the services as netlab_oom_total and daemon.oom. */
        { "oom", NULL, NULL, C, ECHO(oom), NULL, "oom", COUNTER_SHOW_SUMMARY },
        {}
};
/* clang-format on */

#define STAMP(field) offsetof(StampStats, counters.field)

const CounterDesc counters_stamp[] = {
        { "netlab_stamp_requests_total", NULL, "STAMP Session-Sender test packets received (44 octets or more).",
          C, STAMP(requests), "requests", "requests", ALL },
        { "netlab_stamp_invalid_total", NULL,
          "Datagrams on the STAMP port shorter than 44 octets: not STAMP, never answered.", C,
          STAMP(invalid), "invalid", "invalid", ALL },
        { "netlab_stamp_tlv_malformed_total", NULL,
          "STAMP requests with a malformed TLV, answered with the M flag set (RFC 8972 section 4).", C,
          STAMP(tlv_malformed), "tlv_malformed", "malformed TLVs", ALL },
        { "netlab_stamp_tlv_unrecognized_total", NULL,
          "STAMP TLVs of a type the reflector does not know, answered with the U flag set.", C,
          STAMP(tlv_unrecognized), "tlv_unrecognized", "unrecognized TLVs", ALL },
        {}
};

const CounterDesc counters_http[] = {
        { "netlab_http_connections_accepted_total", NULL, "HTTP connections accepted.", C,
          HTTP(connections_accepted), "connections_accepted", "connections accepted", ALL },
        { "rejected", NULL, NULL, C, HTTP(connections_rejected), "connections_rejected", "rejected",
          JSON_SUMMARY },
        { REJECTED, "reason=\"resources\"", REJECTED_HELP, C, HTTP(rejected_resources),
          "connections_rejected_by_reason.resources", NULL, PROM_JSON },
        { REJECTED, "reason=\"per_source\"", REJECTED_HELP, C, HTTP(rejected_per_source),
          "connections_rejected_by_reason.per_source", NULL, PROM_JSON },
        { "netlab_http_connections_evicted_total", NULL,
          "Idle keep-alive HTTP connections closed at max_connections to make room for a new one.", C,
          HTTP(connections_evicted), "connections_evicted", "evicted", ALL },
        { "netlab_http_open_connections", NULL, "HTTP connections open now.", G,
          offsetof(HttpStats, open_connections), "open_connections", "open", ALL },
        /* Prometheus has the full method x code matrix instead (netlab_http_requests_total). */
        { "requests", NULL, NULL, C, HTTP(requests), "requests", "requests", JSON_SUMMARY },
        { "netlab_http_dashboard_requests_total", NULL,
          "HTTP requests to the status, metrics and flows paths (dashboards and scrapers polling); "
          "part of the requests.",
          C, HTTP(dashboard_requests), "dashboard_requests", NULL, PROM_JSON },
        { "timeouts", NULL, NULL, C, HTTP(timeouts), "timeouts", "timeouts", JSON_SUMMARY },
        TIMEOUT_ROW("idle", IDLE),
        TIMEOUT_ROW("header", HEADER),
        TIMEOUT_ROW("body", BODY),
        TIMEOUT_ROW("send", SEND),
        TIMEOUT_ROW("lifetime", LIFETIME),
        TIMEOUT_ROW("linger", LINGER),
        /* Prometheus has netlab_http_bad_requests_total{reason} from the reason table
         * (metrics.c) instead. */
        { "bad_requests", NULL, NULL, C, HTTP(bad_requests), "bad_requests", "bad requests", JSON_SUMMARY },
        { "netlab_http_response_bytes_total", NULL, "HTTP response bytes written (head and body).", C,
          HTTP(response_bytes), "response_bytes", "bytes", ALL },
        { "1xx", NULL, NULL, C, HTTP(responses_by_class[1]), "responses_by_class.1xx", "1xx", JSON_SUMMARY },
        { "2xx", NULL, NULL, C, HTTP(responses_by_class[2]), "responses_by_class.2xx", "2xx", JSON_SUMMARY },
        { "3xx", NULL, NULL, C, HTTP(responses_by_class[3]), "responses_by_class.3xx", "3xx", JSON_SUMMARY },
        { "4xx", NULL, NULL, C, HTTP(responses_by_class[4]), "responses_by_class.4xx", "4xx", JSON_SUMMARY },
        { "5xx", NULL, NULL, C, HTTP(responses_by_class[5]), "responses_by_class.5xx", "5xx", JSON_SUMMARY },
        { "oom", NULL, NULL, C, HTTP(oom), NULL, "oom", COUNTER_SHOW_SUMMARY },
        {}
};

uint64_t counters_value(const CounterDesc *d, const void *stats) {
        uint64_t v;

        assert(d);
        assert(stats);

        memcpy(&v, (const uint8_t *) stats + d->offset, sizeof(v));
        return v;
}

void counters_format_summary(StrBuf *b, const CounterDesc *table, const void *stats) {
        bool first = true;

        assert(b);
        assert(table);
        assert(stats);

        for (const CounterDesc *d = table; d->name; d++) {
                if (!(d->show & COUNTER_SHOW_SUMMARY))
                        continue;
                if (!first)
                        strbuf_puts(b, ", ");
                first = false;
                strbuf_puts(b, d->summary);
                strbuf_putc(b, ' ');
                strbuf_u64(b, counters_value(d, stats));
        }
}
