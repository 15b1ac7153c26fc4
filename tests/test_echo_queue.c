/* test_echo_queue.c — the echo's delay queue (src/daemon/echo_queue.c) without a socket:
 * heap order (deadline, then FIFO), due-only popping, removal of a held reply from the
 * middle, the caps on replies and bytes, and the reorder hold pair
 * echo_queue_hold()/echo_queue_release(). Deterministic: a seeded Rng for the orders. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "echo_queue.h"
#include "macro.h"
#include "rng.h"

/* A reply whose payload is its 4-byte tag. */
static EchoReply *reply(EchoQueue *q, uint32_t tag, usec_t due) {
        EchoReply *r;

        ck_assert_int_eq(echo_queue_reply_new(q, NULL, 0, &tag, sizeof(tag), &r), 0);
        r->due = due;
        return r;
}

static uint32_t tag(const EchoReply *r) {
        uint32_t t;

        ck_assert_uint_eq(r->len, sizeof(t));
        memcpy(&t, r->data, sizeof(t));
        return t;
}

static EchoQueue queue_new(size_t max_replies, size_t max_bytes) {
        EchoQueue q = {};

        echo_queue_set_limits(&q, max_replies, max_bytes);
        return q;
}

/* Replies leave in deadline order, equal deadlines in the order they were pushed. */
START_TEST(test_heap_order) {
        EchoQueue q = queue_new(100000, ECHO_QUEUE_BYTES_MAX);
        usec_t dues[5000];
        Rng rng;

        rng_seed(&rng, 1000 + (uint64_t) _i);
        for (uint32_t i = 0; i < ELEMENTSOF(dues); i++) {
                /* few distinct deadlines: many ties */
                dues[i] = 1000 + rng_next(&rng) % (_i == 0 ? 50 : 100000);
                ck_assert_int_eq(echo_queue_push(&q, reply(&q, i, dues[i])), 0);
        }
        ck_assert_uint_eq(echo_queue_size(&q), ELEMENTSOF(dues));

        usec_t last_due = 0;
        uint32_t last_tag = 0;
        for (size_t n = 0; n < ELEMENTSOF(dues); n++) {
                usec_t next = echo_queue_next_due(&q);
                EchoReply *r = echo_queue_pop_due(&q, USEC_INFINITY - 1);

                ck_assert_ptr_nonnull(r);
                ck_assert_uint_eq(r->due, next);
                ck_assert_uint_eq(r->due, dues[tag(r)]);
                ck_assert_uint_ge(r->due, last_due);
                if (n > 0 && r->due == last_due)
                        ck_assert_uint_gt(tag(r), last_tag);    /* FIFO among equals */
                last_due = r->due;
                last_tag = tag(r);
                echo_queue_reply_free(&q, r);
        }
        ck_assert_uint_eq(echo_queue_size(&q), 0);
        ck_assert_uint_eq(echo_queue_next_due(&q), USEC_INFINITY);
        ck_assert_ptr_null(echo_queue_pop_due(&q, USEC_INFINITY - 1));
        echo_queue_done(&q);
}
END_TEST

/* Nothing leaves before its deadline; a deadline equal to now is due. */
START_TEST(test_pop_due) {
        EchoQueue q = queue_new(10, ECHO_QUEUE_BYTES_MAX);

        ck_assert_int_eq(echo_queue_push(&q, reply(&q, 1, 300)), 0);
        ck_assert_int_eq(echo_queue_push(&q, reply(&q, 2, 100)), 0);
        ck_assert_int_eq(echo_queue_push(&q, reply(&q, 3, 200)), 0);
        ck_assert_uint_eq(echo_queue_next_due(&q), 100);

        ck_assert_ptr_null(echo_queue_pop_due(&q, 99));
        EchoReply *r = echo_queue_pop_due(&q, 100);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(tag(r), 2);
        echo_queue_reply_free(&q, r);
        ck_assert_ptr_null(echo_queue_pop_due(&q, 199));
        ck_assert_uint_eq(echo_queue_next_due(&q), 200);
        ck_assert_uint_eq(echo_queue_size(&q), 2);

        echo_queue_done(&q);                    /* frees the two still queued */
        ck_assert_uint_eq(echo_queue_size(&q), 0);
        ck_assert_uint_eq(q.bytes, 0);
}
END_TEST

/* echo_queue_reply_new() copies prefix + data and fills the defaults. */
START_TEST(test_reply_new) {
        EchoQueue q = queue_new(10, ECHO_QUEUE_BYTES_MAX);
        EchoReply *r;

        ck_assert_int_eq(echo_queue_reply_new(&q, "123 ", 4, "hello", 5, &r), 0);
        ck_assert_uint_eq(r->len, 9);
        ck_assert(memcmp(r->data, "123 hello", 9) == 0);
        ck_assert_uint_eq(r->flow.idx, ECHO_FLOW_REF_NULL.idx);
        ck_assert_uint_eq(r->copies, 1);
        ck_assert(!r->held && !r->reorder && !r->probe);
        ck_assert_uint_eq(q.bytes, echo_queue_reply_cost(9));
        echo_queue_reply_free(&q, r);
        ck_assert_uint_eq(q.bytes, 0);

        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, "", 0, &r), 0);   /* empty datagram */
        ck_assert_uint_eq(r->len, 0);
        echo_queue_reply_free(&q, r);
        echo_queue_reply_free(&q, NULL);
        echo_queue_done(&q);
}
END_TEST

/* The caps, at the limit and one past it: max_replies counts replies in the queue,
 * max_bytes what every reply not yet freed costs (header, payload with the prefix, heap
 * slot: echo_queue_reply_cost()). */
START_TEST(test_caps) {
        size_t c0 = echo_queue_reply_cost(0);
        EchoQueue q = queue_new(3, 100 * c0);
        EchoReply *r, *a, *b;
        uint8_t big[60] = {};

        ck_assert_uint_ge(c0, sizeof(EchoReply) + sizeof(EchoReply *));
        ck_assert_uint_eq(echo_queue_reply_cost(60), c0 + 60);

        for (uint32_t i = 0; i < 3; i++)
                ck_assert_int_eq(echo_queue_push(&q, reply(&q, i, 10)), 0);
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, big, 4, &r), -ENOBUFS);
        r = echo_queue_pop_due(&q, 10);
        ck_assert_ptr_nonnull(r);
        /* popped but not freed: no longer counts as queued, its bytes still do */
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, big, 4, &a), 0);
        ck_assert_uint_eq(q.bytes, 4 * echo_queue_reply_cost(4));
        echo_queue_reply_free(&q, r);
        echo_queue_reply_free(&q, a);
        echo_queue_done(&q);

        q = queue_new(1000, 2 * c0 + 100);
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, big, 60, &a), 0);
        ck_assert_int_eq(echo_queue_reply_new(&q, "12345", 5, big, 36, &b), -ENOBUFS);    /* 101 */
        ck_assert_int_eq(echo_queue_reply_new(&q, "1234", 4, big, 36, &b), 0);            /* 100 */
        ck_assert_uint_eq(q.bytes, 2 * c0 + 100);
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, big, 0, &r), -ENOBUFS);  /* a header does not fit */
        echo_queue_reply_free(&q, a);
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, big, 60, &a), 0);
        echo_queue_reply_free(&q, a);
        echo_queue_reply_free(&q, b);
        ck_assert_uint_eq(q.bytes, 0);
        echo_queue_done(&q);
}
END_TEST

/* Empty replies are not free (issue 12): a byte cap of N headers holds N empty replies,
 * whatever max_replies allows. */
START_TEST(test_caps_empty) {
        EchoQueue q = queue_new(1000000, 10 * echo_queue_reply_cost(0));
        EchoReply *r[11];

        for (size_t i = 0; i < 10; i++)
                ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, "", 0, &r[i]), 0);
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, "", 0, &r[10]), -ENOBUFS);
        echo_queue_reply_free(&q, r[0]);
        ck_assert_int_eq(echo_queue_reply_new(&q, NULL, 0, "", 0, &r[0]), 0);
        for (size_t i = 0; i < 10; i++)
                echo_queue_reply_free(&q, r[i]);
        ck_assert_uint_eq(q.bytes, 0);
        echo_queue_done(&q);
}
END_TEST

/* The hold pair: a held reply leaves once @gap later replies of its flow went out, not
 * one earlier, removed from the middle of the queue without disturbing the order of the
 * others; one reply per flow at a time. */
START_TEST(test_hold_released_by_gap) {
        unsigned gap = 1 + (unsigned) _i;
        EchoQueue q = queue_new(100, ECHO_QUEUE_BYTES_MAX);
        EchoHold h = { .sent = 40 };
        EchoReply *held, *other, *r;

        for (uint32_t i = 0; i < 20; i++)       /* delayed replies of other flows around it */
                ck_assert_int_eq(echo_queue_push(&q, reply(&q, 100 + i, 1000 + 100 * i)), 0);

        held = reply(&q, 1, 0);
        ck_assert_int_eq(echo_queue_hold(&q, held, &h, gap, 5000), 0);
        ck_assert_ptr_eq(h.reply, held);
        ck_assert(held->held);
        ck_assert_uint_eq(held->due, 5000 + ECHO_QUEUE_HOLD_USEC);
        ck_assert_uint_eq(echo_queue_size(&q), 21);

        other = reply(&q, 2, 77);
        ck_assert_int_eq(echo_queue_hold(&q, other, &h, gap, 5000), -EBUSY);
        ck_assert(!other->held);
        ck_assert_uint_eq(other->due, 77);      /* unchanged on failure */
        echo_queue_reply_free(&q, other);

        for (unsigned k = 1; k < gap; k++)
                ck_assert_ptr_null(echo_queue_release(&q, &h, NULL));
        ck_assert_ptr_eq(h.reply, held);
        ck_assert_ptr_eq(echo_queue_release(&q, &h, NULL), held);
        ck_assert_ptr_null(h.reply);
        ck_assert_uint_eq(h.sent, 40 + gap);
        ck_assert_uint_eq(echo_queue_size(&q), 20);
        echo_queue_reply_free(&q, held);
        ck_assert_ptr_null(echo_queue_release(&q, &h, NULL));  /* nothing held any more */

        for (uint32_t i = 0; i < 20; i++) {
                r = echo_queue_pop_due(&q, USEC_INFINITY - 1);
                ck_assert_ptr_nonnull(r);
                ck_assert_uint_eq(tag(r), 100 + i);
                echo_queue_reply_free(&q, r);
        }
        echo_queue_done(&q);
}
END_TEST

/* A flow that goes quiet: the held reply is due ECHO_QUEUE_HOLD_USEC later, and when it
 * goes out by itself the hold is over (and counts as a reply of the flow). */
START_TEST(test_hold_timeout) {
        EchoQueue q = queue_new(100, ECHO_QUEUE_BYTES_MAX);
        EchoHold h = {};
        EchoReply *held = reply(&q, 1, 0), *r;

        ck_assert_int_eq(echo_queue_hold(&q, held, &h, 3, 1000), 0);
        ck_assert_ptr_null(echo_queue_release(&q, &h, NULL));
        ck_assert_ptr_null(echo_queue_pop_due(&q, 1000 + ECHO_QUEUE_HOLD_USEC - 1));
        r = echo_queue_pop_due(&q, 1000 + ECHO_QUEUE_HOLD_USEC);
        ck_assert_ptr_eq(r, held);
        ck_assert(r->held);
        ck_assert_ptr_null(echo_queue_release(&q, &h, r));
        ck_assert_ptr_null(h.reply);
        ck_assert_uint_eq(h.sent, 2);
        echo_queue_reply_free(&q, r);

        /* the next reply of the flow can be held again */
        held = reply(&q, 2, 0);
        ck_assert_int_eq(echo_queue_hold(&q, held, &h, 1, 2000), 0);
        ck_assert_ptr_eq(echo_queue_release(&q, &h, NULL), held);
        echo_queue_reply_free(&q, held);
        echo_queue_done(&q);
}
END_TEST

/* A delayed reply of another flow that goes out does not release this flow's hold: each
 * flow has its own EchoHold. And echo_queue_done() frees a reply still held. */
START_TEST(test_hold_per_flow) {
        EchoQueue q = queue_new(100, ECHO_QUEUE_BYTES_MAX);
        EchoHold h1 = {}, h2 = {};
        EchoReply *a = reply(&q, 1, 0), *b = reply(&q, 2, 0);

        ck_assert_int_eq(echo_queue_hold(&q, a, &h1, 1, 0), 0);
        ck_assert_int_eq(echo_queue_hold(&q, b, &h2, 1, 0), 0);
        ck_assert_ptr_eq(echo_queue_release(&q, &h2, NULL), b);
        ck_assert_ptr_eq(h1.reply, a);
        ck_assert_uint_eq(echo_queue_size(&q), 1);
        echo_queue_reply_free(&q, b);
        echo_queue_done(&q);
        ck_assert_uint_eq(q.bytes, 0);
}
END_TEST

static Suite *echo_queue_suite(void) {
        Suite *s = suite_create("echo_queue");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_heap_order, 0, 2);
        tcase_add_test(tc, test_pop_due);
        tcase_add_test(tc, test_reply_new);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_caps_empty);
        tcase_add_loop_test(tc, test_hold_released_by_gap, 0, 4);
        tcase_add_test(tc, test_hold_timeout);
        tcase_add_test(tc, test_hold_per_flow);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(echo_queue_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
