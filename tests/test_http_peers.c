/* test_http_peers.c — the per-address connection counts: the limit and limit + 1, the
 * v4-mapped key shared by IPv4 and IPv6 peers, growth past the first table and a long
 * seeded random add/remove run checked against a plain array. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_peers.h"
#include "rng.h"
#include "sockaddr.h"
#include "tests.h"

static void key_v4(unsigned n, uint8_t k[static 16]) {
        SockAddr a = { .in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000000U + n) } };

        ck_assert_int_eq(sockaddr_v4mapped(&a, k), 0);
}

START_TEST(test_peers_limit) {
        _cleanup_(http_peers_freep) HttpPeers *p = NULL;
        uint8_t a[16], b[16];

        key_v4(2, a);
        key_v4(3, b);
        ck_assert_int_eq(http_peers_new(42, &p), 0);
        for (int i = 1; i <= 8; i++)
                ck_assert_int_eq(http_peers_add(p, a, 8), i);
        ck_assert_int_eq(http_peers_add(p, a, 8), -EUSERS);      /* limit + 1 */
        ck_assert_uint_eq(http_peers_count(p, a), 8);
        ck_assert_int_eq(http_peers_add(p, b, 8), 1);            /* another address is free */
        ck_assert_uint_eq(http_peers_size(p), 2);
        http_peers_remove(p, a);
        ck_assert_int_eq(http_peers_add(p, a, 8), 8);
        for (int i = 0; i < 8; i++)
                http_peers_remove(p, a);
        ck_assert_uint_eq(http_peers_count(p, a), 0);
        ck_assert_uint_eq(http_peers_size(p), 1);
        ck_assert_int_eq(http_peers_add(p, a, 0), -EUSERS);
}
END_TEST

START_TEST(test_peers_v4mapped) {
        _cleanup_(http_peers_freep) HttpPeers *p = NULL;
        SockAddr v6 = { .in6 = { .sin6_family = AF_INET6 } };
        uint8_t a[16], m[16];

        /* 127.0.0.2 on an IPv4 socket and ::ffff:127.0.0.2 on a dual-stack one: one peer. */
        key_v4(2, a);
        v6.in6.sin6_addr.s6_addr[10] = v6.in6.sin6_addr.s6_addr[11] = 0xff;
        v6.in6.sin6_addr.s6_addr[12] = 127;
        v6.in6.sin6_addr.s6_addr[15] = 2;
        ck_assert_int_eq(sockaddr_v4mapped(&v6, m), 0);
        ck_assert_int_eq(http_peers_new(1, &p), 0);
        ck_assert_int_eq(http_peers_add(p, a, 2), 1);
        ck_assert_int_eq(http_peers_add(p, m, 2), 2);
        ck_assert_int_eq(http_peers_add(p, m, 2), -EUSERS);
}
END_TEST

START_TEST(test_peers_random) {
        enum { N_ADDR = 3000, STEPS = 200000 };
        _cleanup_(http_peers_freep) HttpPeers *p = NULL;
        static unsigned model[N_ADDR];
        Rng rng;
        size_t distinct = 0;

        memset(model, 0, sizeof(model));
        rng_seed(&rng, 12345);
        ck_assert_int_eq(http_peers_new(7, &p), 0);
        for (unsigned step = 0; step < STEPS; step++) {
                unsigned n = (unsigned) (rng_next(&rng) % N_ADDR);
                uint8_t k[16];

                key_v4(n, k);
                /* Grow for the first half, then mostly shrink: exercises both resizes. */
                if (rng_next(&rng) % 100 < (step < STEPS / 2 ? 70U : 30U)) {
                        int r = http_peers_add(p, k, 4);

                        if (model[n] == 4)
                                ck_assert_int_eq(r, -EUSERS);
                        else {
                                distinct += model[n] == 0;
                                ck_assert_int_eq(r, (int) ++model[n]);
                        }
                } else if (model[n] > 0) {
                        http_peers_remove(p, k);
                        distinct -= --model[n] == 0;
                }
                ck_assert_uint_eq(http_peers_size(p), distinct);
        }
        for (unsigned n = 0; n < N_ADDR; n++) {
                uint8_t k[16];

                key_v4(n, k);
                ck_assert_uint_eq(http_peers_count(p, k), model[n]);
        }
}
END_TEST

static Suite *http_peers_suite(void) {
        Suite *s = suite_create("http_peers");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_peers_limit);
        tcase_add_test(tc, test_peers_v4mapped);
        tcase_add_test(tc, test_peers_random);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_peers_suite)
