/* test_echo_flow.c — the echo's flow table (src/daemon/echo_flow.c) without a socket:
 * insert and lookup through growth, LRU order, the recycling rules (idle entries first,
 * then one-off flows near the LRU end, then the least recently used), stale references
 * after eviction and shrinking the maximum. Deterministic: fixed hash keys and times. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "echo_flow.h"
#include "macro.h"

static const uint64_t key_a[4] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL, 42, 7 };
static const uint64_t key_zero[4] = {};

static EchoFlowKey key_probe(uint32_t n) {
        EchoFlowKey k = { .kind = ECHO_FLOW_PROBE, .port = 4242 };

        k.addr[10] = k.addr[11] = 0xff;
        k.addr[12] = 127;
        k.addr[15] = 1;
        k.session = n;
        return k;
}

static EchoFlowKey key_source(uint8_t last) {
        EchoFlowKey k = { .kind = ECHO_FLOW_SOURCE };

        k.addr[10] = k.addr[11] = 0xff;
        k.addr[12] = 127;
        k.addr[15] = last;
        return k;
}

static bool has(EchoFlowTable *t, const EchoFlowKey *k) {
        EchoFlow *f;

        return echo_flow_get(t, k, 0, false, &f) == 0;
}

/* Inserts (or touches) flows 0..n-1 at time @t0 + i us, each with @received datagrams. */
static void fill_at(EchoFlowTable *t, uint32_t n, uint64_t received, usec_t t0) {
        for (uint32_t i = 0; i < n; i++) {
                EchoFlowKey k = key_probe(i);
                EchoFlow *f;

                ck_assert_int_eq(echo_flow_get(t, &k, t0 + i, true, &f), 0);
                f->received = received;
        }
}

static void fill(EchoFlowTable *t, uint32_t n, uint64_t received) {
        fill_at(t, n, received, USEC_PER_SEC);
}

START_TEST(test_insert_lookup_grow) {
        /* With the all-zero key every key here hashes to one chain: still correct, just slow. */
        const uint64_t *hk = _i == 0 ? key_a : key_zero;
        uint32_t n = _i == 0 ? 20000 : 2000;
        EchoFlowTable t;
        EchoFlow *f;

        ck_assert_int_eq(echo_flow_table_init(&t, hk, 100000), 0);
        ck_assert_uint_eq(echo_flow_count(&t), 0);

        /* the array and the buckets grow and rehash many times */
        for (uint32_t i = 0; i < n; i++) {
                EchoFlowKey k = key_probe(i);

                ck_assert_int_eq(echo_flow_get(&t, &k, 1000, false, &f), -ENOENT);
                ck_assert_int_eq(echo_flow_get(&t, &k, 1000, true, &f), 0);
                ck_assert(memcmp(&f->key, &k, sizeof(k)) == 0);
                ck_assert_uint_eq(f->received, 0);
                ck_assert_uint_eq(f->last_usec, 1000);
                ck_assert_ptr_null(f->hold.reply);
                f->received = i + 1;
        }
        ck_assert_uint_eq(echo_flow_count(&t), n);

        for (uint32_t i = 0; i < n; i++) {
                EchoFlowKey k = key_probe(i);

                ck_assert_int_eq(echo_flow_get(&t, &k, 2000, false, &f), 0);
                ck_assert_uint_eq(f->received, i + 1);
                ck_assert_uint_eq(f->last_usec, 2000);
                /* a second lookup finds the same entry, create or not */
                ck_assert_int_eq(echo_flow_get(&t, &k, 2000, true, &f), 0);
                ck_assert_uint_eq(f->received, i + 1);
        }
        ck_assert_uint_eq(echo_flow_count(&t), n);

        /* every byte of the key counts: kind, port and session tell flows apart */
        EchoFlowKey k = key_probe(5);
        k.kind = ECHO_FLOW_PLAIN;
        ck_assert(!has(&t, &k));
        k = key_probe(5);
        k.port = 4243;
        ck_assert(!has(&t, &k));
        k = key_source(1);
        ck_assert(!has(&t, &k));

        echo_flow_table_done(&t);
}
END_TEST

/* A full table of flows in use recycles the least recently used one; a lookup moves a
 * flow to the front. */
START_TEST(test_lru_order) {
        EchoFlowTable t;
        EchoFlowKey k;
        EchoFlow *f;

        ck_assert_int_eq(echo_flow_table_init(&t, key_a, 16), 0);
        fill(&t, 16, 5);
        ck_assert_uint_eq(echo_flow_count(&t), 16);

        k = key_probe(0);                       /* 0 becomes the most recently used */
        ck_assert_int_eq(echo_flow_get(&t, &k, 2 * USEC_PER_SEC, false, &f), 0);

        for (uint32_t n = 100; n < 104; n++) {  /* evicts 1, 2, 3, 4 in that order */
                k = key_probe(n);
                ck_assert_int_eq(echo_flow_get(&t, &k, 2 * USEC_PER_SEC, true, &f), 0);
                f->received = 5;
                ck_assert_uint_eq(echo_flow_count(&t), 16);
                for (uint32_t gone = 1; gone <= n - 99; gone++) {
                        EchoFlowKey g = key_probe(gone);

                        ck_assert(!has(&t, &g));        /* a miss does not touch the order */
                }
        }
        for (uint32_t i = 0; i < 16; i++) {
                k = key_probe(i);
                ck_assert(has(&t, &k) == (i == 0 || i > 4));
        }
        echo_flow_table_done(&t);
}
END_TEST

/* Where a one-off flow (received <= 1) sits in the LRU list decides what a full table
 * recycles: the first one-off among the ECHO_FLOW_EVICT_SCAN least recently used, else
 * the least recently used flow. Source entries are never taken for one-off flows. */
static const struct {
        int one_off;                    /* insertion index of the one flow with received = 1; -1 none */
        bool source;                    /* that entry is an ECHO_FLOW_SOURCE entry */
        int evicted;                    /* insertion index of the flow that must go */
} recycle_cases[] = {
        { -1, false, 0 },
        { 0, false, 0 },
        { 3, false, 3 },
        { ECHO_FLOW_EVICT_SCAN - 1, false, ECHO_FLOW_EVICT_SCAN - 1 },
        { ECHO_FLOW_EVICT_SCAN, false, 0 },     /* just outside the scan */
        { 12, false, 0 },
        { 3, true, 0 },
};

START_TEST(test_recycling) {
        EchoFlowTable t;
        EchoFlowKey keys[16], k;
        EchoFlow *f;

        ck_assert_int_eq(echo_flow_table_init(&t, key_a, 16), 0);
        for (int i = 0; i < 16; i++) {
                keys[i] = recycle_cases[_i].source && i == recycle_cases[_i].one_off ? key_source((uint8_t) i)
                                                                                     : key_probe((uint32_t) i);
                ck_assert_int_eq(echo_flow_get(&t, &keys[i], USEC_PER_SEC + (usec_t) i, true, &f), 0);
                f->received = i == recycle_cases[_i].one_off ? 1 : 3;
        }

        k = key_probe(1000);
        ck_assert_int_eq(echo_flow_get(&t, &k, 2 * USEC_PER_SEC, true, &f), 0);
        ck_assert_uint_eq(echo_flow_count(&t), 16);
        for (int i = 0; i < 16; i++)
                ck_assert_msg(has(&t, &keys[i]) == (i != recycle_cases[_i].evicted), "flow %d", i);
        echo_flow_table_done(&t);
}
END_TEST

/* A flow idle for longer than ECHO_FLOW_IDLE_USEC is recycled before the table is full;
 * one idle for exactly that long is not. */
START_TEST(test_idle_recycling) {
        EchoFlowTable t;
        EchoFlowKey k;
        EchoFlow *f;
        usec_t t0 = USEC_PER_SEC;

        ck_assert_int_eq(echo_flow_table_init(&t, key_a, 1000), 0);
        fill(&t, 3, 5);                         /* flows 0, 1, 2 at t0, t0 + 1, t0 + 2 */

        k = key_probe(10);
        ck_assert_int_eq(echo_flow_get(&t, &k, t0 + ECHO_FLOW_IDLE_USEC, true, &f), 0);
        ck_assert_uint_eq(echo_flow_count(&t), 4);      /* flow 0: idle exactly the limit */

        k = key_probe(11);
        ck_assert_int_eq(echo_flow_get(&t, &k, t0 + ECHO_FLOW_IDLE_USEC + 1, true, &f), 0);
        ck_assert_uint_eq(echo_flow_count(&t), 4);      /* flow 0 recycled */
        k = key_probe(0);
        ck_assert(!has(&t, &k));
        k = key_probe(1);
        ck_assert(has(&t, &k));                 /* only one per insertion */

        echo_flow_table_done(&t);
}
END_TEST

/* References survive growth of the array and go stale when their flow is evicted, also
 * when the entry is reused for another flow. */
START_TEST(test_refs) {
        EchoFlowTable t;
        EchoFlowKey k = key_probe(0);
        EchoFlowRef ref, ref2;
        EchoFlow *f;

        ck_assert_int_eq(echo_flow_table_init(&t, key_a, 16), 0);
        ck_assert_ptr_null(echo_flow_from_ref(&t, ECHO_FLOW_REF_NULL));

        ck_assert_int_eq(echo_flow_get(&t, &k, USEC_PER_SEC, true, &f), 0);
        f->received = 7;
        ref = echo_flow_ref(&t, f);
        ck_assert_ptr_eq(echo_flow_from_ref(&t, ref), f);

        fill(&t, 16, 5);                        /* flow 0 already exists; 1..15 are new */
        f = echo_flow_from_ref(&t, ref);
        ck_assert_ptr_nonnull(f);
        ck_assert(memcmp(&f->key, &k, sizeof(k)) == 0);

        /* flow 0 was touched by fill(), so it is the most recently used; make it the least */
        for (uint32_t i = 1; i < 16; i++) {
                EchoFlowKey o = key_probe(i);

                ck_assert(has(&t, &o));
        }
        k = key_probe(500);
        ck_assert_int_eq(echo_flow_get(&t, &k, 2 * USEC_PER_SEC, true, &f), 0);
        ck_assert_ptr_null(echo_flow_from_ref(&t, ref));        /* evicted, entry reused */
        ref2 = echo_flow_ref(&t, f);
        ck_assert_uint_eq(ref2.idx, ref.idx);
        ck_assert_uint_ne(ref2.gen, ref.gen);
        ck_assert_ptr_eq(echo_flow_from_ref(&t, ref2), f);

        ck_assert_ptr_null(echo_flow_from_ref(&t, (EchoFlowRef) { .idx = 16, .gen = 0 }));
        echo_flow_table_done(&t);
}
END_TEST

/* Lowering the maximum evicts the least recently used flows; the table then grows again
 * only up to the new maximum. */
START_TEST(test_set_max) {
        EchoFlowTable t;
        EchoFlowKey k;
        EchoFlow *f;

        ck_assert_int_eq(echo_flow_table_init(&t, key_a, 100), 0);
        fill(&t, 100, 5);
        ck_assert_uint_eq(echo_flow_count(&t), 100);

        echo_flow_table_set_max(&t, 10);
        ck_assert_uint_eq(echo_flow_count(&t), 10);
        for (uint32_t i = 0; i < 100; i++) {
                k = key_probe(i);
                ck_assert(has(&t, &k) == (i >= 90));
        }

        for (uint32_t i = 200; i < 250; i++) {
                k = key_probe(i);
                ck_assert_int_eq(echo_flow_get(&t, &k, 2 * USEC_PER_SEC, true, &f), 0);
                f->received = 5;
                ck_assert_uint_le(echo_flow_count(&t), 10);
        }

        echo_flow_table_set_max(&t, 1000);
        fill_at(&t, 500, 5, 3 * USEC_PER_SEC);  /* 0..499: the 10 left (240..249) are among them */
        ck_assert_uint_eq(echo_flow_count(&t), 500);
        echo_flow_table_done(&t);
}
END_TEST

/* Evicting a flow ends its hold: the entry comes back zeroed, with no held reply. */
START_TEST(test_evict_clears_hold) {
        EchoFlowTable t;
        EchoFlowKey k = key_probe(0);
        EchoFlow *f;

        ck_assert_int_eq(echo_flow_table_init(&t, key_a, 1), 0);
        ck_assert_int_eq(echo_flow_get(&t, &k, USEC_PER_SEC, true, &f), 0);
        f->hold = (EchoHold) { .reply = (EchoReply *) &t, .sent = 9 };
        f->received = 5;

        k = key_probe(1);
        ck_assert_int_eq(echo_flow_get(&t, &k, USEC_PER_SEC, true, &f), 0);
        ck_assert_uint_eq(echo_flow_count(&t), 1);
        ck_assert_ptr_null(f->hold.reply);
        ck_assert_uint_eq(f->hold.sent, 0);
        ck_assert_uint_eq(f->received, 0);
        echo_flow_table_done(&t);
}
END_TEST

static Suite *echo_flow_suite(void) {
        Suite *s = suite_create("echo_flow");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_insert_lookup_grow, 0, 2);
        tcase_add_test(tc, test_lru_order);
        tcase_add_loop_test(tc, test_recycling, 0, ELEMENTSOF(recycle_cases));
        tcase_add_test(tc, test_idle_recycling);
        tcase_add_test(tc, test_refs);
        tcase_add_test(tc, test_set_max);
        tcase_add_test(tc, test_evict_clears_hold);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(echo_flow_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
