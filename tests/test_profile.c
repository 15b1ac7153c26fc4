/* test_profile.c — table tests of profile classification (src/daemon/profile.c): the
 * issue's example, longest prefix then first listed, ports columns, IPv4 vs v4-mapped vs
 * IPv6, duplicates, names, seeds; and a seeded cross-check of the range table against a
 * linear scan over random nested prefixes. */
#include <check.h>
#include <string.h>

#include "macro.h"
#include "profile.h"
#include "rng.h"
#include "tests.h"

static SockAddrCidr cidr(const char *s) {
        SockAddrCidr c;

        ck_assert_msg(sockaddr_cidr_parse(s, &c) == 0, "bad cidr %s", s);
        return c;
}

static void addr_bytes(const char *s, uint8_t out[16]) {
        SockAddrCidr c = cidr(s);

        memcpy(out, c.addr, 16);
}

/* The classroom plus an overlapping /16 and a later profile for the same /24. */
static SockAddrCidr src_a[1], src_b[2], src_wide[1], src_host[1];
static const uint16_t ports_c[] = { 8083 };
static const uint16_t ports_host[] = { 8080 };

static size_t classroom(ProfileMatch m[static 5]) {
        src_a[0] = cidr("10.0.1.0/24");
        src_b[0] = cidr("10.0.2.0/24");
        src_b[1] = cidr("2001:db8:2::/48");
        src_wide[0] = cidr("10.0.0.0/16");
        src_host[0] = cidr("10.0.1.7");
        m[0] = (ProfileMatch) { .sources = src_a, .n_sources = 1 };    /* group-a */
        m[1] = (ProfileMatch) { .sources = src_b, .n_sources = 2 };    /* group-b */
        m[2] = (ProfileMatch) { .ports = ports_c, .n_ports = 1 };      /* group-c */
        m[3] = (ProfileMatch) { .sources = src_wide, .n_sources = 1 }; /* wide */
        m[4] = (ProfileMatch) { .sources = src_host, .n_sources = 1, .ports = ports_host, .n_ports = 1 };
        return 5;
}

static const struct {
        const char *addr;
        uint16_t port;
        unsigned expect; /* 0 default, i + 1 */
} classroom_cases[] = {
        { "10.0.1.5", 8080, 1 }, /* group-a's /24 beats wide's /16 */
        { "10.0.1.5", 8083, 1 }, /* longest prefix first: /24 beats group-c's ::/0 */
        { "10.0.1.7", 8080, 5 }, /* a /32 host profile on its port */
        { "10.0.1.7", 9999, 1 }, /* ... not on another port */
        { "10.0.2.200", 8080, 2 },
        { "::ffff:10.0.2.1", 8080, 2 }, /* v4-mapped is IPv4 */
        { "2001:db8:2:ffff::1", 8080, 2 },
        { "2001:db8:3::1", 8080, 0 },
        { "2001:db8:3::1", 8083, 3 }, /* group-c: any source on 8083 */
        { "10.0.9.1", 8080, 4 },      /* only the /16 */
        { "10.0.9.1", 8083, 4 },      /* /16 beats group-c's /0 */
        { "10.1.0.1", 8083, 3 },
        { "10.1.0.1", 8080, 0 },
        { "0.0.0.0", 1, 0 },
        { "255.255.255.255", 8083, 3 },
        { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 8080, 0 },
        { "::", 8083, 3 },
};

START_TEST(test_classroom_table) {
        ProfileMatch m[5];
        ProfileTable t;
        size_t n = classroom(m);
        uint8_t a[16];

        ck_assert_int_eq(profile_table_build(m, n, &t), 0);
        addr_bytes(classroom_cases[_i].addr, a);
        ck_assert_msg(profile_table_lookup(&t, a, profile_table_column(&t, classroom_cases[_i].port)) ==
                              classroom_cases[_i].expect,
                      "%s port %u: got %u, expected %u", classroom_cases[_i].addr, classroom_cases[_i].port,
                      profile_table_lookup(&t, a, profile_table_column(&t, classroom_cases[_i].port)),
                      classroom_cases[_i].expect);
        profile_table_done(&t);
        profile_table_done(&t); /* idempotent */
}
END_TEST

START_TEST(test_empty_and_first_listed) {
        ProfileTable t = {};
        SockAddrCidr s[1] = { cidr("192.0.2.0/24") };
        ProfileMatch m[2] = {
                { .sources = s, .n_sources = 1 },
                { .sources = s, .n_sources = 1 },
        };
        uint8_t a[16];

        addr_bytes("192.0.2.1", a);
        ck_assert_uint_eq(profile_table_lookup(&t, a, 0), 0); /* zeroed table */
        ck_assert_int_eq(profile_table_build(NULL, 0, &t), 0);
        ck_assert_uint_eq(profile_table_lookup(&t, a, 0), 0);
        profile_table_done(&t);

        ck_assert_int_eq(profile_table_build(m, 2, &t), 0);
        ck_assert_uint_eq(profile_table_lookup(&t, a, 0), 1); /* same prefix: first listed */
        ck_assert_uint_eq(profile_table_lookup(&t, a, 7), 0); /* a column out of range */
        profile_table_done(&t);
}
END_TEST

START_TEST(test_limits) {
        static ProfileMatch m[PROFILE_MAX + 1];
        static uint16_t ports[PROFILE_PORTS_MAX + 1];
        ProfileTable t;

        ck_assert_int_eq(profile_table_build(m, PROFILE_MAX, &t), 0);
        profile_table_done(&t);
        ck_assert_int_eq(profile_table_build(m, PROFILE_MAX + 1, &t), -E2BIG);

        for (size_t i = 0; i < ELEMENTSOF(ports); i++)
                ports[i] = (uint16_t) (1000 + i);
        m[0] = (ProfileMatch) { .ports = ports, .n_ports = PROFILE_PORTS_MAX };
        ck_assert_int_eq(profile_table_build(m, 1, &t), 0);
        ck_assert_uint_eq(profile_table_column(&t, 1000 + PROFILE_PORTS_MAX - 1), PROFILE_PORTS_MAX);
        profile_table_done(&t);
        m[0].n_ports = PROFILE_PORTS_MAX + 1;
        ck_assert_int_eq(profile_table_build(m, 1, &t), -E2BIG);
        m[0] = (ProfileMatch) { .n_sources = PROFILE_SOURCES_MAX + 1 };
        ck_assert_int_eq(profile_table_build(m, 1, &t), -E2BIG);
}
END_TEST

/* Random nested prefixes (IPv4 and IPv6) and port filters against a linear scan. */
static unsigned linear(const ProfileMatch *m, size_t n, const uint8_t a[16], uint16_t port, bool port_named) {
        unsigned best = 0, best_len = 0;

        for (size_t i = 0; i < n; i++) {
                bool port_ok = m[i].n_ports == 0;

                for (size_t j = 0; j < m[i].n_ports && port_named; j++)
                        port_ok = port_ok || m[i].ports[j] == port;
                if (!port_ok)
                        continue;
                for (size_t j = 0; j < MAX(m[i].n_sources, 1u); j++) {
                        unsigned len = m[i].n_sources ? m[i].sources[j].prefixlen : 0;
                        bool in = true;

                        for (unsigned bit = 0; bit < len && in; bit++)
                                in = ((a[bit / 8] ^ m[i].sources[j].addr[bit / 8]) & (0x80 >> (bit % 8))) == 0;
                        if (in && (best == 0 || len > best_len)) {
                                best = (unsigned) i + 1;
                                best_len = len;
                        }
                }
        }
        return best;
}

START_TEST(test_random_against_linear) {
        static SockAddrCidr srcs[64][4];
        static uint16_t ports[64][2];
        static ProfileMatch m[64];
        ProfileTable t;
        Rng rng;
        size_t n = 64;

        rng_seed(&rng, 1234 + (uint64_t) _i);
        for (size_t i = 0; i < n; i++) {
                m[i] = (ProfileMatch) { .sources = srcs[i],
                                        .n_sources = rng_below(&rng, 4),
                                        .ports = ports[i],
                                        .n_ports = rng_below(&rng, 5) == 0 };
                ports[i][0] = (uint16_t) (8080 + rng_below(&rng, 3));
                for (size_t j = 0; j < m[i].n_sources; j++) {
                        SockAddrCidr *c = &srcs[i][j];
                        bool v4 = rng_below(&rng, 2);

                        memset(c->addr, 0, 16);
                        if (v4) {
                                c->addr[10] = c->addr[11] = 0xff;
                                c->addr[12] = 10;
                                c->addr[13] = (uint8_t) rng_below(&rng, 4);
                                c->addr[14] = (uint8_t) rng_below(&rng, 4);
                                c->prefixlen = 96 + 8 + (unsigned) rng_below(&rng, 25);
                        } else {
                                c->addr[0] = 0x20;
                                c->addr[1] = 0x01;
                                c->addr[2] = (uint8_t) rng_below(&rng, 3);
                                c->addr[5] = (uint8_t) rng_below(&rng, 3);
                                c->prefixlen = 8 + (unsigned) rng_below(&rng, 121);
                        }
                        for (unsigned bit = c->prefixlen; bit < 128; bit++)
                                c->addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
                }
        }
        ck_assert_int_eq(profile_table_build(m, n, &t), 0);
        for (unsigned k = 0; k < 20000; k++) {
                uint8_t a[16] = {};
                uint16_t port = (uint16_t) (8080 + rng_below(&rng, 4));
                unsigned col = profile_table_column(&t, port);

                if (rng_below(&rng, 2)) {
                        a[10] = a[11] = 0xff;
                        a[12] = 10;
                        a[13] = (uint8_t) rng_below(&rng, 4);
                        a[14] = (uint8_t) rng_below(&rng, 4);
                        a[15] = (uint8_t) rng_next(&rng);
                } else {
                        a[0] = 0x20;
                        a[1] = 0x01;
                        a[2] = (uint8_t) rng_below(&rng, 3);
                        a[5] = (uint8_t) rng_below(&rng, 3);
                        for (size_t b = 6; b < 16; b++)
                                a[b] = rng_below(&rng, 4) == 0 ? (uint8_t) rng_next(&rng) : 0;
                }
                ck_assert_uint_eq(profile_table_lookup(&t, a, col), linear(m, n, a, port, col > 0));
        }
        profile_table_done(&t);
}
END_TEST

START_TEST(test_duplicates) {
        SockAddrCidr a[2] = { cidr("10.0.1.0/24"), cidr("10.0.2.0/24") };
        SockAddrCidr b[1] = { cidr("10.0.2.9/24") }; /* the same prefix, host bits set */
        SockAddrCidr c[1] = { cidr("10.0.2.0/25") };
        uint16_t p1[] = { 1 }, p2[] = { 2 };
        ProfileMatch m[3];
        size_t x, y;

        m[0] = (ProfileMatch) { .sources = a, .n_sources = 2 };
        m[1] = (ProfileMatch) { .sources = c, .n_sources = 1 };
        ck_assert(!profile_find_duplicate(m, 2, &x, &y));
        m[2] = (ProfileMatch) { .sources = b, .n_sources = 1 };
        ck_assert(profile_find_duplicate(m, 3, &x, &y));
        ck_assert_uint_eq(x, 0);
        ck_assert_uint_eq(y, 2);

        /* The same prefix on different ports is fine, on a shared port it is not. */
        m[0] = (ProfileMatch) { .sources = b, .n_sources = 1, .ports = p1, .n_ports = 1 };
        m[1] = (ProfileMatch) { .sources = b, .n_sources = 1, .ports = p2, .n_ports = 1 };
        ck_assert(!profile_find_duplicate(m, 2, &x, &y));
        m[1].ports = p1;
        ck_assert(profile_find_duplicate(m, 2, &x, &y));

        /* Two port-only profiles on the same port; port-only vs any-source-any-port. */
        m[0] = (ProfileMatch) { .ports = p1, .n_ports = 1 };
        m[1] = (ProfileMatch) { .ports = p1, .n_ports = 1 };
        ck_assert(profile_find_duplicate(m, 2, &x, &y));
        m[1] = (ProfileMatch) { .ports = p2, .n_ports = 1 };
        ck_assert(!profile_find_duplicate(m, 2, &x, &y));
}
END_TEST

static const struct {
        const char *name;
        bool valid;
} name_cases[] = {
        { "group-a", true },
        { "g_1", true },
        { "abcdefghijklmnopqrstuvwxyz012345", true },
        { "abcdefghijklmnopqrstuvwxyz0123456", false },
        { "", false },
        { "Group", false },
        { "a b", false },
        { "a.b", false },
        { "default", false },
        { "défaut", false },
};

START_TEST(test_names) {
        ck_assert_int_eq(profile_name_valid(name_cases[_i].name), name_cases[_i].valid);
}
END_TEST

START_TEST(test_seeds) {
        ck_assert_uint_eq(profile_seed_derive(1, "group-a"), profile_seed_derive(1, "group-a"));
        ck_assert_uint_ne(profile_seed_derive(1, "group-a"), profile_seed_derive(1, "group-b"));
        ck_assert_uint_ne(profile_seed_derive(1, "group-a"), profile_seed_derive(2, "group-a"));
        ck_assert_uint_ne(profile_seed_derive(0, ""), 0);
}
END_TEST

static Suite *profile_suite(void) {
        Suite *s = suite_create("profile");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_classroom_table, 0, ELEMENTSOF(classroom_cases));
        tcase_add_test(tc, test_empty_and_first_listed);
        tcase_add_test(tc, test_limits);
        tcase_add_loop_test(tc, test_random_against_linear, 0, 4);
        tcase_add_test(tc, test_duplicates);
        tcase_add_loop_test(tc, test_names, 0, ELEMENTSOF(name_cases));
        tcase_add_test(tc, test_seeds);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(profile_suite)
