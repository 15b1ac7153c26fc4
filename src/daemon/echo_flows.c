/* echo_flows.c — PURE: the echo's flow listing (echo_flows.h). echo.c calls it for
 * echo_get_flows() and, on start and reload, to name its profiles in the record; this
 * file calls echo_flow.c (to walk the flows), echo_record.c (names, queries) and flows.c
 * (the query's filter), and no I/O. */
#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "echo_flows.h"
#include "macro.h"

void echo_flows_name_profiles(EchoRecord *r, EchoProfile *ps, size_t n) {
        assert(r);
        assert(ps || n == 0);

        for (size_t i = 0; i < n; i++) {
                int k = echo_record_intern(r, ps[i].name);

                ps[i].record_name = (uint16_t) MAX(k, 0); /* out of names: recorded as "default" */
        }
}

int echo_flows_snapshot(const EchoFlowTable *flows, const EchoProfile *ps, size_t n, const EchoRecord *r,
                        const FlowsQuery *q, usec_t now_mono, usec_t now_rt, FlowsSnapshot *ret) {
        FlowsSnapshot s = { .has_record = q->has_peer || q->has_profile, .record_size = r->size, .names = r };

        assert(flows);
        assert(ps || n == 0);
        assert(r);
        assert(q);
        assert(ret);

        s.flows = calloc(MIN(echo_flow_count(flows), (size_t) FLOWS_MAX) ?: 1, sizeof(FlowsEntry));
        if (!s.flows)
                return -ENOMEM;
        for (const EchoFlow *f = echo_flow_next(flows, NULL); f; f = echo_flow_next(flows, f)) {
                FlowsEntry x;

                if (f->key.kind == ECHO_FLOW_SOURCE || f->received == 0)
                        continue;
                x = (FlowsEntry) {
                        .port = ntohs(f->key.port),
                        .profile = f->profile < n ? ps[f->profile].name : "default",
                        .kind = f->key.kind == ECHO_FLOW_PROBE ? FLOWS_KIND_PROBE :
                                f->lab                         ? FLOWS_KIND_LAB_COMPAT :
                                                                 FLOWS_KIND_PLAIN,
                        .received = f->received,
                        .replied = f->replied,
                        .dropped_loss = f->dropped_loss,
                        .dropped_rate_limit = f->dropped_rate_limit,
                        .dropped_queue_full = f->dropped_queue_full,
                        .first_seen_usec = now_rt - MIN(now_rt, now_mono - MIN(now_mono, f->first_usec)),
                        .last_seen_usec = now_rt - MIN(now_rt, now_mono - MIN(now_mono, f->last_usec)),
                        .idle_usec = now_mono - MIN(now_mono, f->last_usec),
                        .last_seq = f->last_seq,
                };
                memcpy(x.addr, f->key.addr, sizeof(x.addr));
                if (!flows_entry_matches(&x, q))
                        continue;
                if (s.n_flows == FLOWS_MAX) {
                        s.truncated = true;
                        break;
                }
                s.flows[s.n_flows++] = x;
        }

        if (s.has_record && r->size > 0) {
                EchoRecordFilter rf = { .has_peer = q->has_peer, .port = q->port, .profile = -1 };
                int idx = -1;

                memcpy(rf.addr, q->addr, sizeof(rf.addr));
                if (q->has_profile) {
                        for (size_t i = 0; i < r->n_names; i++)
                                if (streq(r->names[i], q->profile))
                                        idx = (int) i;
                        rf.profile = idx >= 0 ? idx : ECHO_RECORD_NAMES_MAX; /* unknown: matches none */
                }
                s.record = malloc(FLOWS_RECORD_MAX * sizeof(EchoRecordEntry));
                if (!s.record) {
                        flows_snapshot_done(&s);
                        return -ENOMEM;
                }
                s.n_record = echo_record_query(r, &rf, s.record, FLOWS_RECORD_MAX, &s.record_truncated);
        }
        *ret = s;
        return 0;
}
