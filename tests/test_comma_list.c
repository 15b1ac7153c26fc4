/* test_comma_list.c — the shared comma-list walker: member boundaries, OWS trimming,
 * empty members, commas at the ends, and the case-insensitive membership test. */
#include <check.h>
#include <string.h>

#include "comma_list.h"
#include "macro.h"
#include "tests.h"

static const struct {
        const char *list;
        size_t len;                     /* 0: strlen(list) */
        const char *members;            /* the members found, joined by '|' */
} walk_cases[] = {
        { "", 0, "" },
        { "a", 0, "a" },
        { "a,b", 0, "a|b" },
        { " a , b ", 0, "a|b" },
        { "\ta\t,\tb c\t", 0, "a|b c" },        /* inner white space is part of a member */
        { ",,a, ,,b,", 0, "a|b" },
        { " , ,\t", 0, "" },
        { "keep-alive, Upgrade", 0, "keep-alive|Upgrade" },
        { "\"x,y\", z", 0, "\"x|y\"|z" },       /* no quoting: callers that need it look */
        { "a,bc", 3, "a|b" },                   /* the length bounds the walk, not the NUL */
        { "gzip, chunked", 0, "gzip|chunked" },
};

START_TEST(test_walk_table) {
        const char *s = walk_cases[_i].list, *item;
        size_t len = walk_cases[_i].len ?: strlen(s), pos = 0, n;
        char got[128] = "";

        while (comma_list_next(s, len, &pos, &item, &n)) {
                ck_assert_uint_gt(n, 0);
                ck_assert_uint_le(pos, len);
                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%.*s", got[0] ? "|" : "",
                         (int) n, item);
        }
        ck_assert_uint_eq(pos, len);
        ck_assert_str_eq(got, walk_cases[_i].members);
        ck_assert(!comma_list_next(s, len, &pos, &item, &n));  /* stays at the end */
}
END_TEST

static const struct {
        const char *list;
        const char *token;
        bool has;
} has_cases[] = {
        { "close", "close", true },
        { "Keep-Alive, CLOSE", "close", true },
        { "closed", "close", false },
        { "clos", "close", false },
        { "x-close, close-ish", "close", false },
        { "gzip,chunked", "chunked", true },
        { "", "close", false },
        { " , ", "close", false },
};

START_TEST(test_has_table) {
        const char *s = has_cases[_i].list;

        ck_assert_msg(comma_list_has(s, strlen(s), has_cases[_i].token) == has_cases[_i].has, "'%s' has '%s'",
                      s, has_cases[_i].token);
}
END_TEST

START_TEST(test_null_empty) {
        const char *item = NULL;
        size_t pos = 0, n = 0;

        ck_assert(!comma_list_next(NULL, 0, &pos, &item, &n));
        ck_assert(!comma_list_has(NULL, 0, "x"));
}
END_TEST

static Suite *comma_list_suite(void) {
        Suite *s = suite_create("comma_list");
        TCase *tc = tcase_create("comma_list");

        tcase_add_loop_test(tc, test_walk_table, 0, ELEMENTSOF(walk_cases));
        tcase_add_loop_test(tc, test_has_table, 0, ELEMENTSOF(has_cases));
        tcase_add_test(tc, test_null_empty);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(comma_list_suite)
