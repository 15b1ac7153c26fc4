/* test_fping.c — the pure parts of netlab-fping: SmokePing's FPing.pm command lines
 * (its exact argv shapes), refusals, and fping's RTT spelling in the -C lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fping.h"
#include "macro.h"
#include "tests.h"

static int parse(const char *line, FpingArgs *a) {
        static char buf[512];
        static char *argv[64];
        char msg[FPING_ERROR_MAX];
        int argc = 0;

        snprintf(buf, sizeof(buf), "%s", line);
        for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
                argv[argc++] = t;
        argv[argc] = NULL;
        return fping_parse_args(argc, argv, a, msg, sizeof(msg));
}

START_TEST(test_smokeping_argv) {
        FpingArgs a;

        /* FPing.pm: binary -C $pings -q -B1 -r1 -$protocol [-b] [-t] -i [-p] hosts */
        ck_assert_int_eq(parse("netlab-fping -C 20 -q -B1 -r1 -4 -b56 -t500 -i10 -p1000 a b:9 [::1]:7", &a), 0);
        ck_assert_uint_eq(a.count, 20);
        ck_assert(a.quiet);
        ck_assert_int_eq(a.family, AF_INET);
        ck_assert_uint_eq(a.size, 56);
        ck_assert_uint_eq(a.timeout, 500 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.interval, 10 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.period, 1000 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.n_hosts, 3);
        ck_assert_str_eq(a.hosts[2], "[::1]:7");

        /* the start-up probe: -C 1 localhost, with the defaults */
        ck_assert_int_eq(parse("netlab-fping -C 1 localhost", &a), 0);
        ck_assert_uint_eq(a.count, 1);
        ck_assert(!a.quiet);
        ck_assert_int_eq(a.family, AF_UNSPEC);
        ck_assert_uint_eq(a.timeout, 500 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.period, 1000 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.n_hosts, 1);

        ck_assert_int_eq(parse("netlab-fping -C 3 -6 -i 0.5 h", &a), 0);
        ck_assert_int_eq(a.family, AF_INET6);
        ck_assert_uint_eq(a.interval, 500 * 1000);
        ck_assert_int_eq(parse("netlab-fping -h", &a), 0);
        ck_assert(a.help);
}
END_TEST

START_TEST(test_refusals) {
        FpingArgs a;

        ck_assert_int_eq(parse("netlab-fping -C 1", &a), -EINVAL); /* no host */
        ck_assert_int_eq(parse("netlab-fping -C 0 h", &a), -EINVAL);
        ck_assert_int_eq(parse("netlab-fping -C 10001 h", &a), -EINVAL);
        ck_assert_int_eq(parse("netlab-fping -C 10000 h", &a), 0);
        ck_assert_int_eq(parse("netlab-fping -C x h", &a), -EINVAL);
        ck_assert_int_eq(parse("netlab-fping -t0 h", &a), -EINVAL);
        ck_assert_int_eq(parse("netlab-fping -p-1 h", &a), -EINVAL);
        ck_assert_int_eq(parse("netlab-fping -S1.2.3.4 h", &a), -EINVAL); /* FPing.pm asks -h first */
        ck_assert_int_eq(parse("netlab-fping -b70000 h", &a), -EINVAL);
}
END_TEST

START_TEST(test_format) {
        char buf[32], *text = NULL;
        size_t len = 0;
        const double rtt[] = { 0.045, -1, 1.234, 12.34, 123.4 };

        ck_assert_str_eq(fping_format_rtt(buf, sizeof(buf), 0.0451), "0.045");
        ck_assert_str_eq(fping_format_rtt(buf, sizeof(buf), -1), "-");
        FILE *f = open_memstream(&text, &len);
        fping_print_counts(f, "lab1:8080", rtt, ELEMENTSOF(rtt));
        fclose(f);
        ck_assert_str_eq(text, "lab1:8080 : 0.045 - 1.23 12.3 123\n");
        free(text);
        ck_assert(fping_invoked_as("/usr/bin/netlab-fping"));
        ck_assert(fping_invoked_as("netlab-fping"));
        ck_assert(!fping_invoked_as("/usr/bin/netlab-ping"));
        ck_assert(!fping_invoked_as(NULL));
}
END_TEST

static Suite *fping_suite(void) {
        Suite *s = suite_create("fping");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_smokeping_argv);
        tcase_add_test(tc, test_refusals);
        tcase_add_test(tc, test_format);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(fping_suite)
