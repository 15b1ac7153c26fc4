/* test_strbuf.c — the string builder: appends, integer and double formatting, joining,
 * growth across the first allocation, and the latched error that turns every later
 * append into a no-op. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "strbuf.h"
#include "tests.h"

START_TEST(test_empty_finish) {
        _cleanup_(strbuf_done) StrBuf b = {};
        _cleanup_free_ char *s = NULL;
        size_t len = 99;

        ck_assert_str_eq(strbuf_str(&b), "");
        ck_assert_int_eq(strbuf_finish(&b, &s, &len), 0);
        ck_assert_str_eq(s, "");
        ck_assert_uint_eq(len, 0);
        ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_appends) {
        _cleanup_(strbuf_done) StrBuf b = {};
        _cleanup_free_ char *s = NULL;
        size_t len;

        strbuf_puts(&b, "ab");
        strbuf_putc(&b, 'c');
        strbuf_put(&b, "d\0e", 3);
        strbuf_u64(&b, 0);
        strbuf_putc(&b, ' ');
        strbuf_u64(&b, UINT64_MAX);
        strbuf_printf(&b, " %s=%d", "x", -7);
        ck_assert_uint_eq(b.len, 6 + 1 + 1 + 20 + 5);
        ck_assert_int_eq(memcmp(b.data, "abcd\0e0 18446744073709551615 x=-7", b.len + 1), 0);
        ck_assert_int_eq(strbuf_finish(&b, &s, &len), 0);
        ck_assert_uint_eq(len, 33);
}
END_TEST

static const struct {
        double v;
        const char *s;
} double_cases[] = {
        { 0, "0" },
        { -0.0, "0" },
        { 3, "3" },
        { -2, "-2" },
        { 0.3, "0.3" },                 /* %.15g reads back exactly */
        { 0.1 + 0.2, "0.30000000000000004" },   /* needs %.17g */
        { 1764000000.25, "1764000000.25" },
        { 9007199254740992.0, "9007199254740992" },     /* 2^53: %.17g */
        { 1e20, "1e+20" },
        { 2.5e-7, "2.5e-07" },
};

START_TEST(test_double_table) {
        _cleanup_(strbuf_done) StrBuf b = {};

        strbuf_double(&b, double_cases[_i].v);
        ck_assert_str_eq(strbuf_str(&b), double_cases[_i].s);
}
END_TEST

START_TEST(test_join) {
        _cleanup_(strbuf_done) StrBuf b = {};

        strbuf_join(&b, ", ", "a");
        strbuf_join(&b, ", ", "b");
        strbuf_join(&b, "; ", "c");
        ck_assert_str_eq(strbuf_str(&b), "a, b; c");
}
END_TEST

/* Past the first 4 KiB (one realloc) and far past it (several), printf included: the
 * long formatted piece does not fit the free space, so it is formatted twice. */
START_TEST(test_growth) {
        _cleanup_(strbuf_done) StrBuf b = {};
        char big[10000];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        for (int i = 0; i < 1000; i++)
                strbuf_puts(&b, "0123456789");
        strbuf_printf(&b, "%s|", big);
        ck_assert_uint_eq(b.len, 10000 + sizeof(big));
        ck_assert_uint_eq(strlen(b.data), b.len);
        ck_assert_int_eq(b.data[b.len - 1], '|');
        ck_assert_uint_gt(b.size, b.len);
}
END_TEST

/* A latched error: later appends do nothing, str() is "", finish() reports it and
 * leaves the buffer to strbuf_done(). */
START_TEST(test_latched_error) {
        _cleanup_(strbuf_done) StrBuf b = {};
        _cleanup_free_ char *s = NULL;
        size_t len = 7;

        strbuf_puts(&b, "kept");
        ck_assert(!strbuf_reserve(&b, SIZE_MAX - 2));   /* cannot be allocated: -ENOMEM */
        ck_assert_int_eq(b.error, -ENOMEM);
        strbuf_puts(&b, "lost");
        strbuf_u64(&b, 5);
        strbuf_printf(&b, "%d", 1);
        ck_assert_uint_eq(b.len, 4);
        ck_assert_str_eq(strbuf_str(&b), "");
        ck_assert_int_eq(strbuf_finish(&b, &s, &len), -ENOMEM);
        ck_assert_ptr_null(s);
        ck_assert_uint_eq(len, 7);
        strbuf_done(&b);
        ck_assert_int_eq(b.error, 0);   /* done() resets: the buffer is usable again */
        strbuf_puts(&b, "new");
        ck_assert_str_eq(strbuf_str(&b), "new");
}
END_TEST

static Suite *strbuf_suite(void) {
        Suite *s = suite_create("strbuf");
        TCase *tc = tcase_create("strbuf");

        tcase_add_test(tc, test_empty_finish);
        tcase_add_test(tc, test_appends);
        tcase_add_loop_test(tc, test_double_table, 0, ELEMENTSOF(double_cases));
        tcase_add_test(tc, test_join);
        tcase_add_test(tc, test_growth);
        tcase_add_test(tc, test_latched_error);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(strbuf_suite)
