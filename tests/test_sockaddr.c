/* test_sockaddr.c — the shared socket-address module: the listen syntax both ways,
 * lengths and ports, the v4-mapped view, CIDR parsing and containment across IPv4, IPv6
 * and v4-mapped peers. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/un.h>

#include "macro.h"
#include "sockaddr.h"
#include "tests.h"

static const struct {
        const char *s;
        int r;
        int family;
        unsigned port;
        const char *formatted;
        const char *host;
} addr_cases[] = {
        { "127.0.0.1:8080", 0, AF_INET, 8080, "127.0.0.1:8080", "127.0.0.1" },
        { "0.0.0.0:0", 0, AF_INET, 0, "0.0.0.0:0", "0.0.0.0" },
        { "[::1]:53", 0, AF_INET6, 53, "[::1]:53", "::1" },
        { "[::]:8080", 0, AF_INET6, 8080, "[::]:8080", "::" },
        { "*:8080", 0, AF_INET6, 8080, "[::]:8080", "::" },
        { "8080", 0, AF_INET6, 8080, "[::]:8080", "::" },
        { "65535", 0, AF_INET6, 65535, "[::]:65535", "::" },
        { "[::ffff:192.0.2.1]:7", 0, AF_INET6, 7, "[::ffff:192.0.2.1]:7", "::ffff:192.0.2.1" },
        { "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", 0, AF_INET6, 65535,
          "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "[fe80::1%eth0]:80", -EINVAL },
        { "::1:80", -EINVAL },
        { "localhost:80", -EINVAL },
        { "127.0.0.1:65536", -EINVAL },
        { "127.0.0.1:", -EINVAL },
        { "127.0.0.1:-1", -EINVAL },
        { "127.0.0.1:+1", -EINVAL },
        { "127.0.0.1: 1", -EINVAL },
        { "127.0.0.1:80x", -EINVAL },
        { "127.0.0.1", -EINVAL },
        { "[::1]80", -EINVAL },
        { "[::1", -EINVAL },
        { "[]:80", -EINVAL },
        { ":80", -EINVAL },
        { "", -EINVAL },
        { "256.0.0.1:80", -EINVAL },
};

START_TEST(test_parse_format_table) {
        SockAddr a, untouched;
        char buf[SOCKADDR_FORMAT_MAX], host[SOCKADDR_FORMAT_MAX];
        int r;

        memset(&a, 0x5a, sizeof(a));
        untouched = a;
        r = sockaddr_parse(addr_cases[_i].s, &a);
        ck_assert_msg(r == addr_cases[_i].r, "'%s': r=%d", addr_cases[_i].s, r);
        if (r < 0) {
                ck_assert_int_eq(memcmp(&a, &untouched, sizeof(a)), 0);
                return;
        }
        ck_assert_int_eq(a.sa.sa_family, addr_cases[_i].family);
        ck_assert_uint_eq(sockaddr_port(&a), addr_cases[_i].port);
        ck_assert_uint_eq(sockaddr_len(&a), a.sa.sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                                                       : sizeof(struct sockaddr_in6));
        ck_assert_str_eq(sockaddr_format(&a, buf, sizeof(buf)), addr_cases[_i].formatted);
        ck_assert_str_eq(sockaddr_format_host(&a, host, sizeof(host)), addr_cases[_i].host);

        /* Formatting and parsing again gives the same address. */
        SockAddr b;
        ck_assert_int_eq(sockaddr_parse(buf, &b), 0);
        ck_assert_int_eq(memcmp(&a, &b, sockaddr_len(&a)), 0);
}
END_TEST

START_TEST(test_other_family) {
        SockAddr a = { .sa.sa_family = AF_UNIX };
        char buf[SOCKADDR_FORMAT_MAX];
        uint8_t addr[16] = { 1 };
        SockAddrCidr all;

        ck_assert_uint_eq(sockaddr_len(&a), 0);
        ck_assert_uint_eq(sockaddr_port(&a), 0);
        ck_assert_str_eq(sockaddr_format(&a, buf, sizeof(buf)), "(family 1)");
        ck_assert_str_eq(sockaddr_format_host(&a, buf, sizeof(buf)), "?");
        ck_assert_int_eq(sockaddr_v4mapped(&a, addr), -EAFNOSUPPORT);
        ck_assert_uint_eq(addr[0], 1);
        ck_assert_int_eq(sockaddr_cidr_parse("::/0", &all), 0);
        ck_assert(!sockaddr_cidr_contains(&all, &a));   /* fail closed */
}
END_TEST

/* A buffer too small truncates, NUL-terminated, and never overflows. */
START_TEST(test_format_short_buffer) {
        SockAddr a;
        char buf[8];

        ck_assert_int_eq(sockaddr_parse("[2001:db8::1]:8080", &a), 0);
        ck_assert_str_eq(sockaddr_format(&a, buf, sizeof(buf)), "[2001:d");
}
END_TEST

START_TEST(test_v4mapped) {
        static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
        static const uint8_t loop6[16] = { [15] = 1 };
        uint8_t out[16];
        SockAddr a;

        ck_assert_int_eq(sockaddr_parse("192.0.2.1:9", &a), 0);
        memset(out, 0xee, sizeof(out));
        ck_assert_int_eq(sockaddr_v4mapped(&a, out), 0);
        ck_assert_int_eq(memcmp(out, mapped, 16), 0);

        ck_assert_int_eq(sockaddr_parse("[::ffff:192.0.2.1]:9", &a), 0);
        ck_assert_int_eq(sockaddr_v4mapped(&a, out), 0);
        ck_assert_int_eq(memcmp(out, mapped, 16), 0);   /* the same key on a v6 socket */

        ck_assert_int_eq(sockaddr_parse("[::1]:9", &a), 0);
        ck_assert_int_eq(sockaddr_v4mapped(&a, out), 0);
        ck_assert_int_eq(memcmp(out, loop6, 16), 0);
}
END_TEST

/* ---- CIDRs -------------------------------------------------------------------------------- */

static const struct {
        const char *cidr;
        int expect;
        unsigned prefixlen;
} cidr_cases[] = {
        { "127.0.0.0/8",        0, 104 },
        { "127.0.0.1",          0, 128 },
        { "127.0.0.1/8",        0, 104 },       /* host bits ignored */
        { "0.0.0.0/0",          0, 96 },
        { "10.1.2.3/32",        0, 128 },
        { "::1",                0, 128 },
        { "::/0",               0, 0 },
        { "fe80::/10",          0, 10 },
        { "2001:db8::/129",     -EINVAL, 0 },
        { "10.0.0.0/33",        -EINVAL, 0 },
        { "10.0.0.0/",          -EINVAL, 0 },
        { "10.0.0.0/+8",        -EINVAL, 0 },
        { "10.0.0.0/ 8",        -EINVAL, 0 },
        { "10.0.0.0/8x",        -EINVAL, 0 },
        { "10.0.0.0/-1",        -EINVAL, 0 },
        { "10.0.0/8",           -EINVAL, 0 },
        { "/8",                 -EINVAL, 0 },
        { "",                   -EINVAL, 0 },
        { "localhost",          -EINVAL, 0 },
        { "10.0.0.0/99999999999999999999", -EINVAL, 0 },
        { "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", -EINVAL, 0 },
};

START_TEST(test_cidr_parse_table) {
        SockAddrCidr c = { .prefixlen = 999 };

        ck_assert_int_eq(sockaddr_cidr_parse(cidr_cases[_i].cidr, &c), cidr_cases[_i].expect);
        if (cidr_cases[_i].expect == 0)
                ck_assert_uint_eq(c.prefixlen, cidr_cases[_i].prefixlen);
        else
                ck_assert_uint_eq(c.prefixlen, 999);    /* untouched on failure */
}
END_TEST

static const struct {
        const char *cidr;
        const char *peer;               /* an address for sockaddr_parse() */
        bool inside;
} contains_cases[] = {
        { "127.0.0.0/8",         "127.0.0.1:1",             true },
        { "127.0.0.0/8",         "127.255.0.9:1",           true },
        { "127.0.0.0/8",         "128.0.0.1:1",             false },
        { "127.0.0.0/8",         "[::ffff:127.0.0.1]:1",    true },     /* v4-mapped peer */
        { "127.0.0.0/8",         "[::127.0.0.1]:1",         false },    /* v4-compatible is not */
        { "::1",                 "[::1]:1",                 true },
        { "::1",                 "[::2]:1",                 false },
        { "::1",                 "127.0.0.1:1",             false },
        { "::ffff:10.0.0.0/104", "10.9.9.9:1",              true },     /* mapped entry, v4 peer */
        { "10.64.0.0/10",        "10.127.255.255:1",        true },     /* prefix inside a byte */
        { "10.64.0.0/10",        "10.128.0.0:1",            false },
        { "10.64.0.0/10",        "10.63.255.255:1",         false },
        { "0.0.0.0/0",           "203.0.113.9:1",           true },
        { "0.0.0.0/0",           "[2001:db8::1]:1",         false },
        { "::/0",                "[2001:db8::1]:1",         true },
        { "::/0",                "203.0.113.9:1",           true },     /* mapped space is IPv6 */
        { "fe80::/10",           "[febf::1]:1",             true },
        { "fe80::/10",           "[fec0::1]:1",             false },
        { "192.0.2.7",           "192.0.2.7:1",             true },
        { "192.0.2.7",           "192.0.2.6:1",             false },
};

START_TEST(test_cidr_contains_table) {
        SockAddrCidr c;
        SockAddr a;

        ck_assert_int_eq(sockaddr_cidr_parse(contains_cases[_i].cidr, &c), 0);
        ck_assert_int_eq(sockaddr_parse(contains_cases[_i].peer, &a), 0);
        ck_assert_msg(sockaddr_cidr_contains(&c, &a) == contains_cases[_i].inside, "%s in %s",
                      contains_cases[_i].peer, contains_cases[_i].cidr);
}
END_TEST

static Suite *sockaddr_suite(void) {
        Suite *s = suite_create("sockaddr");
        TCase *tc;

        tc = tcase_create("address");
        tcase_add_loop_test(tc, test_parse_format_table, 0, ELEMENTSOF(addr_cases));
        tcase_add_test(tc, test_other_family);
        tcase_add_test(tc, test_format_short_buffer);
        tcase_add_test(tc, test_v4mapped);
        suite_add_tcase(s, tc);

        tc = tcase_create("cidr");
        tcase_add_loop_test(tc, test_cidr_parse_table, 0, ELEMENTSOF(cidr_cases));
        tcase_add_loop_test(tc, test_cidr_contains_table, 0, ELEMENTSOF(contains_cases));
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(sockaddr_suite)
