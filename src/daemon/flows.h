/* flows.h — /api/flows: the echo's active flows (who is sending, who went silent) and,
 * for a query by peer or profile, the record of that peer's decisions (echo_record.h). Parses the
 * query string strictly and renders the JSON document through the shared json writer.
 * Pure: no I/O, no clock, no logging; echo.c fills the snapshot. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "echo_record.h"
#include "time_util.h"

#define FLOWS_PATH "/api/flows" /* served while http.status_path is set, behind status_allow */
#define FLOWS_MAX 512           /* flows per answer, most recently active first */
#define FLOWS_RECORD_MAX 4096   /* record entries per answer, newest first */
#define FLOWS_QUERY_MAX 256     /* bytes of query string */

typedef enum FlowsKind {
        FLOWS_KIND_PROBE,      /* netlab probes */
        FLOWS_KIND_PLAIN,      /* plain datagrams, echoed verbatim */
        FLOWS_KIND_LAB_COMPAT, /* plain datagrams answered in lab_compat mode */
        _FLOWS_KIND_MAX,
        _FLOWS_KIND_INVALID = -EINVAL,
} FlowsKind;

/* What the client asked for: ?peer=ADDR:PORT and/or &profile=NAME. */
typedef struct FlowsQuery {
        bool has_peer;
        uint8_t addr[16]; /* IPv6, or IPv4 as ::ffff:a.b.c.d */
        uint16_t port;    /* host order */
        bool has_profile;
        char profile[ECHO_RECORD_NAME_MAX + 1];
} FlowsQuery;

typedef struct FlowsEntry {
        uint8_t addr[16];
        uint16_t port;       /* host order */
        const char *profile; /* borrowed */
        FlowsKind kind;
        uint64_t received, replied, dropped_loss, dropped_rate_limit, dropped_queue_full;
        usec_t first_seen_usec, last_seen_usec; /* CLOCK_REALTIME */
        usec_t idle_usec;
        uint64_t last_seq; /* probes only */
} FlowsEntry;

typedef struct FlowsSnapshot {
        FlowsEntry *flows; /* n_flows, most recently active first (owned) */
        size_t n_flows;
        bool truncated;          /* more flows matched than FLOWS_MAX */
        bool has_record;         /* the query named a peer or profile: the record part is rendered */
        size_t record_size;      /* echo.record: 0 = off */
        EchoRecordEntry *record; /* n_record, newest first (owned) */
        size_t n_record;
        bool record_truncated;
        const EchoRecord *names; /* the record's profile names (borrowed) */
} FlowsSnapshot;

/* Frees the owned arrays of @s. */
void flows_snapshot_done(FlowsSnapshot *s);

/* Parses @len bytes of query string @q (without the "?"; NULL or empty: no filter):
 * '&'-separated "peer=ADDR:PORT" ("192.0.2.1:5000" or "[2001:db8::1]:5000", percent-
 * encoding allowed) and "profile=NAME", each at most once, nothing else. Returns 0 and
 * fills *ret, or -EINVAL (unknown key, repeated key, bad value, bad escape) or -E2BIG
 * (over FLOWS_QUERY_MAX bytes). */
int flows_parse_query(const char *q, size_t len, FlowsQuery *ret);

/* True if @e matches @q's peer and profile (a flow's own profile name). */
bool flows_entry_matches(const FlowsEntry *e, const FlowsQuery *q);

/* "probe", "plain", "lab_compat"; NULL if out of range. */
const char *flows_kind_to_string(FlowsKind k);

/* Renders @s as the /api/flows document: {"max_flows", "truncated", "flows": [...]} and,
 * with a peer or profile, "record": {"size", "max_entries", "truncated", "entries": [...]}. Returns
 * 0 with *ret (malloc'ed, caller frees) and *ret_len, or -ENOMEM. */
int flows_render_json(const FlowsSnapshot *s, char **ret, size_t *ret_len);
