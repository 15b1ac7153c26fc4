/* test_echo_loop.c — the echo's memory of replies just sent (src/daemon/echo_loop.c)
 * without a socket: a reply is recognised from the peer it went to, only within its
 * window and not before it left; other peers, ports and payloads are not; a lab server's
 * timestamp in front is seen through; the memory is bounded and recycles the oldest
 * entry of a set; the hash depends on every byte and on the key. */
#include <string.h>

#include "echo_loop.h"
#include "macro.h"
#include "rng.h"
#include "tests.h"

static const uint64_t key[4] = { 1, 2, 3, 4 };
static const uint8_t peer[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
static const uint8_t other[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 2 };
#define PORT 0x3930                     /* 12345 in network order, on a little-endian host */
#define S USEC_PER_SEC

static EchoLoop *loop_new(usec_t window) {
        EchoLoop *l = malloc(sizeof(EchoLoop));

        ck_assert_ptr_nonnull(l);
        echo_loop_init(l, key, window);
        return l;
}

static void remember(EchoLoop *l, const uint8_t *addr, uint16_t port, const char *s, usec_t from) {
        echo_loop_remember(l, echo_loop_hash(l, addr, port, s, strlen(s)), from);
}

static bool check(EchoLoop *l, const uint8_t *addr, uint16_t port, const char *s, usec_t now) {
        uint64_t h;
        bool r = echo_loop_check(l, addr, port, s, strlen(s), now, &h);

        ck_assert_uint_eq(h, echo_loop_hash(l, addr, port, s, strlen(s)));
        return r;
}

/* Only the same bytes from the same address and port, inside [from, from + window). */
START_TEST(test_recognised) {
        EchoLoop *l = loop_new(2 * S);

        remember(l, peer, PORT, "hello", 10 * S);
        ck_assert(check(l, peer, PORT, "hello", 10 * S));
        ck_assert(check(l, peer, PORT, "hello", 12 * S - 1));
        ck_assert(!check(l, peer, PORT, "hello", 12 * S));             /* window over */
        ck_assert(!check(l, peer, PORT, "hello", 10 * S - 1));         /* not sent yet (delay queue) */
        ck_assert(!check(l, other, PORT, "hello", 10 * S));
        ck_assert(!check(l, peer, PORT + 1, "hello", 10 * S));
        ck_assert(!check(l, peer, PORT, "hellp", 10 * S));
        ck_assert(!check(l, peer, PORT, "hell", 10 * S));
        {
                uint64_t h;
                ck_assert(!echo_loop_check(l, peer, PORT, "hello\0", 6, 10 * S, &h));   /* zero-padded */
        }
        ck_assert(!check(l, peer, PORT, "", 10 * S));

        /* the same bytes sent again: the newest send counts */
        remember(l, peer, PORT, "hello", 20 * S);
        ck_assert(check(l, peer, PORT, "hello", 21 * S));
        free(l);
}
END_TEST

/* Empty datagrams loop too. */
START_TEST(test_empty) {
        EchoLoop *l = loop_new(0);
        uint64_t h;

        echo_loop_remember(l, echo_loop_hash(l, peer, PORT, NULL, 0), 5);
        ck_assert(echo_loop_check(l, peer, PORT, NULL, 0, 5, &h));
        ck_assert(echo_loop_check(l, peer, PORT, NULL, 0, 5 + ECHO_LOOP_WINDOW_MIN_USEC - 1, &h));
        ck_assert(!echo_loop_check(l, peer, PORT, NULL, 0, 5 + ECHO_LOOP_WINDOW_MIN_USEC, &h));  /* minimum window */
        free(l);
}
END_TEST

static const struct {
        const char *s;
        size_t prefix;
} lab_cases[] = {
        { "1764072000123 ping", 14 },
        { "0 x", 2 },
        { "12345678901234567890 x", 21 },       /* 20 digits */
        { "123456789012345678901 x", 0 },       /* 21 digits: not a timestamp */
        { "123 ", 4 },                          /* a lab server's reply to an empty datagram */
        { "123", 0 },
        { " 123 x", 0 },
        { "12a x", 0 },
        { "", 0 },
        { "ping 1", 0 },
};

START_TEST(test_lab_prefix_table) {
        const char *s = lab_cases[_i].s;

        ck_assert_uint_eq(echo_loop_lab_prefix(s, strlen(s)), lab_cases[_i].prefix);
}
END_TEST

/* Our reply coming back with a lab server's clock in front is still ours. */
START_TEST(test_lab_prefixed) {
        EchoLoop *l = loop_new(S);

        remember(l, peer, PORT, "1764072000123 Ping 1", S);
        ck_assert(check(l, peer, PORT, "1764072000999 1764072000123 Ping 1", S + 10));
        ck_assert(!check(l, peer, PORT, "1764072000999 1764072000123 Ping 2", S + 10));
        ck_assert(!check(l, peer, PORT, "x1764072000999 1764072000123 Ping 1", S + 10));
        free(l);
}
END_TEST

/* Memory is fixed: more replies than entries recycle the oldest ones, the newest stay. */
START_TEST(test_bounded) {
        EchoLoop *l = loop_new(1000 * S);
        size_t n = 4 * ECHO_LOOP_ENTRIES, newest = 0;
        uint64_t h;

        for (uint64_t i = 0; i < n; i++)
                echo_loop_remember(l, echo_loop_hash(l, peer, PORT, &i, sizeof(i)), i);
        for (uint64_t i = n - ECHO_LOOP_ENTRIES / 8; i < n; i++)
                newest += echo_loop_check(l, peer, PORT, &i, sizeof(i), n, &h);
        /* a set sees 4 x 4 replies; the last eighth (about half a set's worth) almost all stay */
        ck_assert_uint_ge(newest, ECHO_LOOP_ENTRIES / 8 * 95 / 100);
        {
                uint64_t i = 0;
                ck_assert(!echo_loop_check(l, peer, PORT, &i, sizeof(i), n, &h));
        }
        free(l);
}
END_TEST

/* Every byte of the payload counts, at every length and alignment; another key gives
 * other hashes. */
START_TEST(test_hash) {
        EchoLoop *l = loop_new(S), *l2;
        uint64_t k2[4] = { 1, 2, 3, 5 };
        uint8_t buf[200];
        Rng rng;

        rng_seed(&rng, 7);
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t) rng_next(&rng);
        for (size_t len = 1; len <= 130; len++) {
                uint64_t h = echo_loop_hash(l, peer, PORT, buf + 1, len);

                ck_assert_uint_ne(h, 0);
                for (size_t i = 0; i < len; i++) {
                        buf[1 + i] ^= 0x10;
                        ck_assert_uint_ne(echo_loop_hash(l, peer, PORT, buf + 1, len), h);
                        buf[1 + i] ^= 0x10;
                }
                ck_assert_uint_eq(echo_loop_hash(l, peer, PORT, buf + 1, len), h);
        }
        l2 = malloc(sizeof(EchoLoop));
        ck_assert_ptr_nonnull(l2);
        echo_loop_init(l2, k2, S);
        ck_assert_uint_ne(echo_loop_hash(l, peer, PORT, buf, 64), echo_loop_hash(l2, peer, PORT, buf, 64));
        free(l2);
        free(l);
}
END_TEST

static Suite *echo_loop_suite(void) {
        Suite *s = suite_create("echo_loop");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_recognised);
        tcase_add_test(tc, test_empty);
        tcase_add_loop_test(tc, test_lab_prefix_table, 0, ELEMENTSOF(lab_cases));
        tcase_add_test(tc, test_lab_prefixed);
        tcase_add_test(tc, test_bounded);
        tcase_add_test(tc, test_hash);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(echo_loop_suite)
