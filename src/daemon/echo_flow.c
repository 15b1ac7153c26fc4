/* echo_flow.c — PURE: the echo's flow table. Open hashing (chains of array indices)
 * over one array of EchoFlow, an intrusive LRU list through the same entries, and a free
 * list of evicted ones. echo.c looks flows up per datagram; this file calls only libc
 * (allocation) and is tested on its own in tests/test_echo_flow.c. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "echo_flow.h"
#include "macro.h"

#define NONE UINT32_MAX

static inline uint64_t mum(uint64_t a, uint64_t b) {
        unsigned __int128 r = (unsigned __int128) a * b;

        return (uint64_t) r ^ (uint64_t) (r >> 64);
}

/* Keyed hash of the 32-byte key (wyhash-style multiply-mix). */
static uint32_t flow_hash(const EchoFlowTable *t, const EchoFlowKey *k) {
        const uint64_t *h = t->hash_key;
        uint64_t w[4];

        static_assert(sizeof(EchoFlowKey) == 32, "EchoFlowKey must be 32 bytes");
        memcpy(w, k, sizeof(w));
        return (uint32_t) mum(mum(w[0] ^ h[0], w[1] ^ h[1]) ^ h[2], mum(w[2] ^ h[3], w[3] ^ h[0]) ^ 0x9e3779b97f4a7c15ULL);
}

static void lru_unlink(EchoFlowTable *t, uint32_t i) {
        EchoFlow *f = &t->flows[i];

        if (f->lru_prev != NONE)
                t->flows[f->lru_prev].lru_next = f->lru_next;
        else
                t->lru_head = f->lru_next;
        if (f->lru_next != NONE)
                t->flows[f->lru_next].lru_prev = f->lru_prev;
        else
                t->lru_tail = f->lru_prev;
}

static void lru_push_head(EchoFlowTable *t, uint32_t i) {
        EchoFlow *f = &t->flows[i];

        f->lru_prev = NONE;
        f->lru_next = t->lru_head;
        if (t->lru_head != NONE)
                t->flows[t->lru_head].lru_prev = i;
        t->lru_head = i;
        if (t->lru_tail == NONE)
                t->lru_tail = i;
}

static void hash_link(EchoFlowTable *t, uint32_t i) {
        uint32_t h = flow_hash(t, &t->flows[i].key) & t->mask;

        t->flows[i].hnext = t->heads[h];
        t->heads[h] = i + 1;
}

static void hash_unlink(EchoFlowTable *t, uint32_t i) {
        uint32_t *p = &t->heads[flow_hash(t, &t->flows[i].key) & t->mask];

        while (*p != 0 && *p != i + 1)
                p = &t->flows[*p - 1].hnext;
        assert(*p == i + 1);
        *p = t->flows[i].hnext;
}

/* Resizes the bucket array to the next power of two >= @n_buckets and rehashes the live
 * flows. Returns 0 or -ENOMEM (the old buckets stay). */
static int flow_rehash(EchoFlowTable *t, uint32_t n_buckets) {
        uint32_t size = ECHO_FLOW_MIN, *heads;

        while (size < n_buckets)
                size <<= 1;
        heads = calloc(size, sizeof(uint32_t));
        if (!heads)
                return -ENOMEM;
        free(t->heads);
        t->heads = heads;
        t->mask = size - 1;
        for (uint32_t i = t->lru_head; i != NONE; i = t->flows[i].lru_next)
                hash_link(t, i);
        return 0;
}

/* Takes entry @i out of the hash and the LRU list onto the free list. Its generation
 * changes, so references to it (a queued reply's) go stale; a reply it held stays in
 * the delay queue and leaves on its hold timeout. */
static void flow_evict(EchoFlowTable *t, uint32_t i) {
        EchoFlow *f = &t->flows[i];

        hash_unlink(t, i);
        lru_unlink(t, i);
        f->hold = (EchoHold) {};
        f->gen++;
        f->hnext = t->free_head;
        t->free_head = i + 1;
        t->n_live--;
}

/* The flow to recycle when the table is full: the least recently used one, unless one of
 * the few next to it has seen a single datagram. A flood of one-off session ids or source
 * ports then recycles its own entries, not the flows of clients that keep measuring at
 * one probe a second (the probation segment of SLRU and 2Q caches, in its simplest form). */
static uint32_t flow_victim(const EchoFlowTable *t) {
        uint32_t i = t->lru_tail;

        for (unsigned n = 0; i != NONE && n < ECHO_FLOW_EVICT_SCAN; n++, i = t->flows[i].lru_prev)
                if (t->flows[i].key.kind != ECHO_FLOW_SOURCE && t->flows[i].received <= 1)
                        return i;
        return t->lru_tail;
}

/* Returns the index of a free entry in *ret: a recycled idle one, or one chosen by
 * flow_victim() when the table is at max_flows, otherwise a free or new one. */
static int flow_alloc(EchoFlowTable *t, usec_t now_usec, uint32_t *ret) {
        if (t->lru_tail != NONE) {
                if (now_usec - t->flows[t->lru_tail].last_usec > ECHO_FLOW_IDLE_USEC)
                        flow_evict(t, t->lru_tail);
                else if (t->n_live >= t->max_flows)
                        flow_evict(t, flow_victim(t));
        }

        if (t->free_head != 0) {
                *ret = t->free_head - 1;
                t->free_head = t->flows[*ret].hnext;
                return 0;
        }

        if (t->n_used == t->n_alloc) {
                uint32_t n = MAX(t->n_alloc * 2, ECHO_FLOW_MIN);
                EchoFlow *flows;

                n = MIN(n, MAX(t->max_flows, t->n_alloc + 1));
                flows = reallocarray(t->flows, n, sizeof(EchoFlow));
                if (!flows)
                        return -ENOMEM;
                t->flows = flows;
                t->n_alloc = n;
                if (n > t->mask + 1 && flow_rehash(t, n) < 0)
                        return -ENOMEM;         /* lookups still work, on longer chains; the next growth retries */
        }
        *ret = t->n_used++;
        t->flows[*ret].gen = 0;
        return 0;
}

int echo_flow_table_init(EchoFlowTable *t, const uint64_t hash_key[static 4], uint32_t max_flows) {
        assert(t);
        assert(max_flows >= 1);

        *t = (EchoFlowTable) {
                .max_flows = max_flows,
                .lru_head = NONE,
                .lru_tail = NONE,
        };
        memcpy(t->hash_key, hash_key, sizeof(t->hash_key));
        return flow_rehash(t, ECHO_FLOW_MIN);
}

void echo_flow_table_done(EchoFlowTable *t) {
        assert(t);

        free(t->flows);
        free(t->heads);
        *t = (EchoFlowTable) { .lru_head = NONE, .lru_tail = NONE };
}

void echo_flow_table_set_max(EchoFlowTable *t, uint32_t max_flows) {
        assert(t);
        assert(max_flows >= 1);

        t->max_flows = max_flows;
        while (t->n_live > t->max_flows && t->lru_tail != NONE)
                flow_evict(t, t->lru_tail);
}

int echo_flow_get(EchoFlowTable *t, const EchoFlowKey *k, usec_t now_usec, bool create, EchoFlow **ret) {
        uint32_t i, gen;
        int r;

        assert(t);
        assert(k);
        assert(ret);

        for (uint32_t j = t->heads[flow_hash(t, k) & t->mask]; j != 0; j = t->flows[j - 1].hnext) {
                i = j - 1;
                if (memcmp(&t->flows[i].key, k, sizeof(*k)) != 0)
                        continue;
                if (t->lru_head != i) {
                        lru_unlink(t, i);
                        lru_push_head(t, i);
                }
                t->flows[i].last_usec = now_usec;
                *ret = &t->flows[i];
                return 0;
        }

        if (!create)
                return -ENOENT;
        r = flow_alloc(t, now_usec, &i);
        if (r < 0)
                return r;
        gen = t->flows[i].gen;
        t->flows[i] = (EchoFlow) {
                .key = *k,
                .gen = gen,
                .last_usec = now_usec,
        };
        hash_link(t, i);
        lru_push_head(t, i);
        t->n_live++;
        *ret = &t->flows[i];
        return 0;
}

EchoFlowRef echo_flow_ref(const EchoFlowTable *t, const EchoFlow *f) {
        assert(t);
        assert(f >= t->flows && f < t->flows + t->n_used);

        return (EchoFlowRef) { .idx = (uint32_t) (f - t->flows), .gen = f->gen };
}

EchoFlow *echo_flow_from_ref(EchoFlowTable *t, EchoFlowRef ref) {
        assert(t);

        if (ref.idx >= t->n_used || t->flows[ref.idx].gen != ref.gen)
                return NULL;
        return &t->flows[ref.idx];
}

const EchoFlow *echo_flow_next(const EchoFlowTable *t, const EchoFlow *prev) {
        uint32_t i;

        assert(t);

        i = prev ? prev->lru_next : t->lru_head;
        return i == NONE ? NULL : &t->flows[i];
}

size_t echo_flow_count(const EchoFlowTable *t) {
        assert(t);
        return t->n_live;
}
