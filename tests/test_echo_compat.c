/* test_echo_compat.c — the textbook labs' reply formats (src/daemon/echo_compat.c): the
 * "uppercase" mode changes only ASCII a-z and never the length (Kurose & Ross's
 * "Ping 1 <time>" -> "PING 1 <TIME>"), the "timestamp" prefix is "<ms> " and the request
 * is cut so the reply fits max_payload. */
#include <string.h>

#include "echo_compat.h"
#include "macro.h"
#include "tests.h"

static const struct {
        const char *in, *out;
        size_t len; /* 0: strlen(in) */
} upper_cases[] = {
        { "Ping 1 Mon Dec  1 10:00:00 2025", "PING 1 MON DEC  1 10:00:00 2025", 0 },
        { "", "", 0 },
        { "az AZ 09 `{@[", "AZ AZ 09 `{@[", 0 },                       /* the bytes around a-z and A-Z */
        { "caf\xc3\xa9 \xe2\x82\xac", "CAF\xc3\xa9 \xe2\x82\xac", 0 }, /* UTF-8 untouched */
        { "a\0b\xff", "A\0B\xff", 4 },                                 /* binary: NUL and 0xff kept */
};

START_TEST(test_uppercase) {
        size_t len = upper_cases[_i].len ?: strlen(upper_cases[_i].in);
        uint8_t buf[64];

        memcpy(buf, upper_cases[_i].in, len);
        buf[len] = 0x61; /* beyond len: must stay 'a' */
        echo_compat_uppercase(buf, len);
        ck_assert_mem_eq(buf, upper_cases[_i].out, len);
        ck_assert_uint_eq(buf[len], 0x61);
}
END_TEST

START_TEST(test_timestamp_prefix) {
        char buf[ECHO_COMPAT_PREFIX_MAX];

        ck_assert_uint_eq(echo_compat_timestamp_prefix(1764072000123456, buf), 14);
        ck_assert_str_eq(buf, "1764072000123 ");
        ck_assert_uint_eq(echo_compat_timestamp_prefix(999, buf), 2);
        ck_assert_str_eq(buf, "0 ");
        ck_assert_uint_eq(echo_compat_timestamp_prefix(UINT64_MAX, buf), 18);
        ck_assert_str_eq(buf, "18446744073709551 ");
}
END_TEST

static const struct {
        size_t prefix, len, max, fit;
} fit_cases[] = {
        { 14, 12, 65507, 12 },       { 14, 65493, 65507, 65493 }, /* exactly max_payload */
        { 14, 65494, 65507, 65493 },                              /* one over: cut by one */
        { 14, 100, 14, 0 },                                       /* only the prefix fits */
        { 14, 100, 10, 0 },                                       /* not even that */
};

START_TEST(test_timestamp_fit) {
        ck_assert_uint_eq(echo_compat_timestamp_fit(fit_cases[_i].prefix, fit_cases[_i].len, fit_cases[_i].max),
                          fit_cases[_i].fit);
}
END_TEST

static Suite *echo_compat_suite(void) {
        Suite *s = suite_create("echo_compat");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_uppercase, 0, ELEMENTSOF(upper_cases));
        tcase_add_test(tc, test_timestamp_prefix);
        tcase_add_loop_test(tc, test_timestamp_fit, 0, ELEMENTSOF(fit_cases));
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(echo_compat_suite)
