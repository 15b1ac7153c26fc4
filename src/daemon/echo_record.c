/* echo_record.c — the ring of the echo's decisions for grading (echo_record.h). Pure:
 * no I/O, no clock, no logging; echo.c fills the entries, flows.c renders them and
 * echo_journal.c logs them. Calls nothing but libc. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "echo_record.h"
#include "macro.h"

_Static_assert(sizeof(EchoRecordEntry) == ECHO_RECORD_ENTRY_SIZE, "the man page states 72 bytes per entry");

static const char *const reason_names[_ECHO_RECORD_REASON_MAX] = {
        [ECHO_RECORD_REPLIED] = "replied",
        [ECHO_RECORD_LOSS] = "loss",
        [ECHO_RECORD_RATE_LIMIT] = "rate_limit",
        [ECHO_RECORD_QUEUE_FULL] = "queue_full",
        [ECHO_RECORD_LOOP] = "loop",
};

const char *echo_record_reason_to_string(EchoRecordReason reason) {
        if (reason < 0 || reason >= _ECHO_RECORD_REASON_MAX)
                return NULL;
        return reason_names[reason];
}

/* The entry @age places back from the newest (0 = the newest). */
static const EchoRecordEntry *entry_at(const EchoRecord *r, size_t age) {
        return &r->ring[(r->head + r->size - 1 - age) % r->size];
}

int echo_record_set_size(EchoRecord *r, size_t size) {
        EchoRecordEntry *ring = NULL;
        size_t keep;

        assert(r);

        if (size > ECHO_RECORD_SIZE_MAX)
                return -E2BIG;
        if (size == r->size)
                return 0;
        keep = MIN(size, r->count);
        if (size > 0) {
                ring = malloc(size * sizeof(EchoRecordEntry));
                if (!ring)
                        return -ENOMEM;
                /* Oldest kept first, so ring[keep - 1] is the newest. */
                for (size_t i = 0; i < keep; i++)
                        ring[i] = *entry_at(r, keep - 1 - i);
        }
        free(r->ring);
        r->ring = ring;
        r->size = size;
        r->count = keep;
        r->head = size > 0 ? keep % size : 0;
        return 0;
}

void echo_record_done(EchoRecord *r) {
        if (!r)
                return;
        free(r->ring);
        free(r->names);
        *r = (EchoRecord) {};
}

int echo_record_intern(EchoRecord *r, const char *name) {
        size_t len;

        assert(r);
        assert(name);

        len = strlen(name);
        if (len > ECHO_RECORD_NAME_MAX)
                return -EINVAL;
        for (size_t i = 0; i < r->n_names; i++)
                if (streq(r->names[i], name))
                        return (int) i;
        if (r->n_names >= ECHO_RECORD_NAMES_MAX)
                return -E2BIG;
        if (!r->names) {
                r->names = calloc(ECHO_RECORD_NAMES_MAX, sizeof(*r->names));
                if (!r->names)
                        return -ENOMEM;
        }
        memcpy(r->names[r->n_names], name, len + 1);
        return (int) r->n_names++;
}

const char *echo_record_name(const EchoRecord *r, unsigned idx) {
        assert(r);
        return idx < r->n_names ? r->names[idx] : "?";
}

void echo_record_entry_init(EchoRecordEntry *ret, usec_t rx_usec, const uint8_t addr[static 16], uint16_t port,
                            uint16_t profile, const void *buf, size_t len, bool probe, uint64_t seq) {
        assert(ret);
        assert(buf || len == 0);

        *ret = (EchoRecordEntry) {
                .rx_usec = rx_usec,
                .bytes = (uint32_t) MIN(len, (size_t) UINT32_MAX),
                .port = port,
                .profile = profile,
                .reason = ECHO_RECORD_REPLIED,
        };
        memcpy(ret->addr, addr, sizeof(ret->addr));
        if (probe) {
                ret->flags = ECHO_RECORD_F_PROBE;
                ret->u.seq = seq;
        } else {
                ret->payload_len = (uint8_t) MIN(len, (size_t) ECHO_RECORD_PAYLOAD);
                memcpy(ret->u.payload, buf, ret->payload_len);
        }
}

void echo_record_add(EchoRecord *r, const EchoRecordEntry *e) {
        assert(r);
        assert(e);

        if (r->size == 0)
                return;
        r->ring[r->head] = *e;
        r->head = (r->head + 1) % r->size;
        if (r->count < r->size)
                r->count++;
        r->total++;
}

static bool entry_matches(const EchoRecordEntry *e, const EchoRecordFilter *f) {
        if (f->has_peer && (e->port != f->port || memcmp(e->addr, f->addr, sizeof(e->addr)) != 0))
                return false;
        return f->profile < 0 || e->profile == (unsigned) f->profile;
}

size_t echo_record_query(const EchoRecord *r, const EchoRecordFilter *f, EchoRecordEntry *ret, size_t max,
                         bool *ret_more) {
        size_t n = 0;
        bool more = false;

        assert(r);
        assert(f);
        assert(ret || max == 0);

        for (size_t age = 0; age < r->count; age++) {
                const EchoRecordEntry *e = entry_at(r, age);

                if (!entry_matches(e, f))
                        continue;
                if (n == max) {
                        more = true;
                        break;
                }
                ret[n++] = *e;
        }
        if (ret_more)
                *ret_more = more;
        return n;
}
