/* flows.c — /api/flows (flows.h): the strict query parser and the JSON renderer of the
 * flows and of a peer's record. Pure: called by daemon.c with what echo_get_flows()
 * collected; calls sockaddr (parse, format), profile (name syntax), echo_record (names,
 * reasons) and json. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "json.h"
#include "macro.h"
#include "parse_util.h"
#include "profile.h"
#include "sockaddr.h"

static const char *const kind_names[_FLOWS_KIND_MAX] = {
        [FLOWS_KIND_PROBE] = "probe",
        [FLOWS_KIND_PLAIN] = "plain",
        [FLOWS_KIND_LAB_COMPAT] = "lab_compat",
};

const char *flows_kind_to_string(FlowsKind k) {
        return k >= 0 && k < _FLOWS_KIND_MAX ? kind_names[k] : NULL;
}

void flows_snapshot_done(FlowsSnapshot *s) {
        if (!s)
                return;
        free(s->flows);
        free(s->record);
        s->flows = NULL;
        s->record = NULL;
        s->n_flows = s->n_record = 0;
}

/* Percent-decodes @len bytes of @s into @buf (@size bytes, NUL-terminated). NUL bytes
 * and bad escapes are -EINVAL, too long is -E2BIG. */
static int decode(const char *s, size_t len, char *buf, size_t size) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                int c = (unsigned char) s[i];

                if (c == '%') {
                        int hi = i + 2 < len ? unhexchar(s[i + 1]) : -1, lo = hi >= 0 ? unhexchar(s[i + 2]) : -1;

                        if (hi < 0 || lo < 0)
                                return -EINVAL;
                        c = hi * 16 + lo;
                        i += 2;
                }
                if (c == 0)
                        return -EINVAL;
                if (n + 1 >= size)
                        return -E2BIG;
                buf[n++] = (char) c;
        }
        buf[n] = 0;
        return 0;
}

static int parse_peer(const char *v, FlowsQuery *q) {
        SockAddr a;

        /* sockaddr_parse() also takes "*:PORT" and a bare port: not a peer. */
        if (!strchr(v, ':') || v[0] == '*' || sockaddr_parse(v, &a) < 0)
                return -EINVAL;
        if (sockaddr_v4mapped(&a, q->addr) < 0)
                return -EINVAL;
        q->port = sockaddr_port(&a);
        q->has_peer = true;
        return 0;
}

int flows_parse_query(const char *q, size_t len, FlowsQuery *ret) {
        FlowsQuery f = {};
        size_t i = 0;

        assert(ret);

        if (len > FLOWS_QUERY_MAX)
                return -E2BIG;
        if (q && len > 0 && q[len - 1] == '&')
                return -EINVAL; /* an empty last item */
        while (q && i < len) {
                const char *item = q + i, *amp = memchr(item, '&', len - i), *eq;
                size_t n = amp ? (size_t) (amp - item) : len - i;
                char key[16], value[FLOWS_QUERY_MAX + 1];
                int r;

                i += n + 1;
                eq = memchr(item, '=', n);
                if (!eq)
                        return -EINVAL;
                r = decode(item, (size_t) (eq - item), key, sizeof(key));
                if (r < 0)
                        return -EINVAL;
                r = decode(eq + 1, n - (size_t) (eq - item) - 1, value, sizeof(value));
                if (r < 0)
                        return r;
                if (streq(key, "peer")) {
                        if (f.has_peer || parse_peer(value, &f) < 0)
                                return -EINVAL;
                } else if (streq(key, "profile")) {
                        if (f.has_profile || (!streq(value, "default") && !profile_name_valid(value)))
                                return -EINVAL;
                        strcpy(f.profile, value);
                        f.has_profile = true;
                } else
                        return -EINVAL;
        }
        *ret = f;
        return 0;
}

bool flows_entry_matches(const FlowsEntry *e, const FlowsQuery *q) {
        assert(e);
        assert(q);

        if (q->has_peer && (e->port != q->port || memcmp(e->addr, q->addr, sizeof(e->addr)) != 0))
                return false;
        return !q->has_profile || streq(e->profile, q->profile);
}

static void put_peer(Json *j, const char *key, const uint8_t addr[static 16], uint16_t port) {
        static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
        char buf[SOCKADDR_FORMAT_MAX];
        SockAddr a = {};

        if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
                a.in.sin_family = AF_INET;
                memcpy(&a.in.sin_addr, addr + 12, 4);
                a.in.sin_port = htons(port);
        } else {
                a.in6.sin6_family = AF_INET6;
                memcpy(&a.in6.sin6_addr, addr, 16);
                a.in6.sin6_port = htons(port);
        }
        json_string(j, key, sockaddr_format(&a, buf, sizeof(buf)));
}

/* Unix seconds with millisecond precision. */
static void put_time(Json *j, const char *key, usec_t t) {
        json_fixed(j, key, (double) t / USEC_PER_SEC, 3);
}

static void put_flow(Json *j, const FlowsEntry *f) {
        json_object_open(j, NULL);
        put_peer(j, "peer", f->addr, f->port);
        json_string(j, "profile", f->profile);
        json_string(j, "kind", flows_kind_to_string(f->kind));
        json_u64(j, "received", f->received);
        json_u64(j, "replied", f->replied);
        json_object_open(j, "dropped");
        json_u64(j, "loss", f->dropped_loss);
        json_u64(j, "rate_limit", f->dropped_rate_limit);
        json_u64(j, "queue_full", f->dropped_queue_full);
        json_object_close(j);
        put_time(j, "first_seen", f->first_seen_usec);
        put_time(j, "last_seen", f->last_seen_usec);
        if (f->kind == FLOWS_KIND_PROBE)
                json_u64(j, "last_seq", f->last_seq);
        else
                json_null(j, "last_seq");
        json_fixed(j, "idle_seconds", (double) f->idle_usec / USEC_PER_SEC, 3);
        json_object_close(j);
}

static void put_entry(Json *j, const EchoRecordEntry *e, const EchoRecord *names) {
        json_object_open(j, NULL);
        put_time(j, "time", e->rx_usec);
        put_peer(j, "peer", e->addr, e->port);
        json_string(j, "profile", names ? echo_record_name(names, e->profile) : "?");
        json_u64(j, "bytes", e->bytes);
        if (e->flags & ECHO_RECORD_F_PROBE) {
                json_u64(j, "seq", e->u.seq);
                json_null(j, "payload");
        } else {
                json_null(j, "seq");
                json_string_len(j, "payload", (const char *) e->u.payload, e->payload_len);
        }
        json_string(j, "verdict", e->reason == ECHO_RECORD_REPLIED ? "replied" : "dropped");
        if (e->reason == ECHO_RECORD_REPLIED)
                json_null(j, "reason");
        else
                json_string(j, "reason", echo_record_reason_to_string(e->reason));
        json_fixed(j, "delay_ms", (double) e->delay_usec / USEC_PER_MSEC, 3);
        json_bool(j, "duplicated", e->flags & ECHO_RECORD_F_DUPLICATED);
        json_bool(j, "reordered", e->flags & ECHO_RECORD_F_REORDERED);
        json_object_close(j);
}

int flows_render_json(const FlowsSnapshot *s, char **ret, size_t *ret_len) {
        _cleanup_(json_done) Json j = {};

        assert(s);
        assert(ret);

        json_object_open(&j, NULL);
        json_u64(&j, "max_flows", FLOWS_MAX);
        json_bool(&j, "truncated", s->truncated);
        json_array_open(&j, "flows");
        for (size_t i = 0; i < s->n_flows; i++)
                put_flow(&j, &s->flows[i]);
        json_array_close(&j);
        if (s->has_record) {
                json_object_open(&j, "record");
                json_u64(&j, "size", s->record_size);
                json_u64(&j, "max_entries", FLOWS_RECORD_MAX);
                json_bool(&j, "truncated", s->record_truncated);
                json_array_open(&j, "entries");
                for (size_t i = 0; i < s->n_record; i++)
                        put_entry(&j, &s->record[i], s->names);
                json_array_close(&j);
                json_object_close(&j);
        }
        json_object_close(&j);
        json_append_raw(&j, "\n");
        return json_finish(&j, ret, ret_len);
}
