/* test_json.c — the shared JSON writer: string escaping (control characters, markup,
 * invalid UTF-8), every value type, commas and nesting, null for what JSON cannot say,
 * and the strict validator that the renderers' tests rely on. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "tests.h"

/* ---- the validator first: the other tests trust it ---------------------------------------- */

static const struct {
        const char *doc;
        bool valid;
} validate_cases[] = {
        { "{}", true },
        { " [ ] \n", true },
        { "{\"a\":[1,2.5,-0.1e+3,true,false,null,\"x\\u00e9\"]}", true },
        { "\"caf\xc3\xa9\"", true },
        { "0", true },
        { "", false },
        { "{\"a\":1,}", false },
        { "{\"a\":NaN}", false },
        { "{\"a\":inf}", false },
        { "[\"\x01\"]", false },
        { "[\"\\x\"]", false },
        { "[\"\\u12g4\"]", false },
        { "[01]", false },
        { "[1.]", false },
        { "[-]", false },
        { "[1e]", false },
        { "{} x", false },
        { "{\"a\"}", false },
        { "[\"\xff\"]", false },                     /* invalid UTF-8 */
        { "[\"\xed\xa0\x80\"]", false },           /* surrogate */
        { "[\"open", false },
        { "tru", false },
};

START_TEST(test_validate_table) {
        const char *d = validate_cases[_i].doc;

        ck_assert_msg(json_validate(d, strlen(d)) == validate_cases[_i].valid, "%s", d);
}
END_TEST

START_TEST(test_validate_depth) {
        char deep[200];

        memset(deep, '[', 64);
        memset(deep + 64, ']', 64);
        ck_assert(json_validate(deep, 128));
        memset(deep, '[', 65);
        memset(deep + 65, ']', 65);
        ck_assert(!json_validate(deep, 130));
}
END_TEST

/* ---- escaping ----------------------------------------------------------------------------- */

static const struct {
        const char *in;
        size_t len;                     /* 0: strlen(in) */
        const char *out;
} escape_cases[] = {
        { "plain", 0, "plain" },
        { "", 0, "" },
        { "a\"b", 0, "a\\\"b" },
        { "back\\slash", 0, "back\\\\slash" },
        { "nl\ncr\rtab\t", 0, "nl\\ncr\\rtab\\t" },
        { "\x01\x1f\x7f", 0, "\\u0001\\u001f\\u007f" },
        { "</script><b>&", 0, "\\u003c/script\\u003e\\u003cb\\u003e\\u0026" },
        { "nul\0byte", 8, "nul\\u0000byte" },
        { "caf\xc3\xa9", 0, "caf\xc3\xa9" },                       /* é kept as UTF-8 */
        { "\xe2\x82\xac \xf0\x9f\x98\x80", 0, "\xe2\x82\xac \xf0\x9f\x98\x80" },   /* € 😀 */
        { "\xff", 0, "\\ufffd" },
        { "\xc0\xaf", 0, "\\ufffd\\ufffd" },                       /* overlong '/' */
        { "\xed\xa0\x80", 0, "\\ufffd\\ufffd\\ufffd" },            /* UTF-16 surrogate */
        { "\xe2\x82", 0, "\\ufffd\\ufffd" },                       /* truncated */
        { "\xf4\x90\x80\x80", 0, "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* above U+10FFFF */
        { "\xe0\x80\x80", 0, "\\ufffd\\ufffd\\ufffd" },            /* overlong 3-byte */
        { "ok\xc3", 0, "ok\\ufffd" },
};

START_TEST(test_escape_table) {
        _cleanup_(strbuf_done) StrBuf b = {};
        _cleanup_free_ char *doc = NULL;
        const char *in = escape_cases[_i].in;
        size_t len = escape_cases[_i].len ?: strlen(in);

        json_escape(&b, in, len);
        ck_assert_str_eq(strbuf_str(&b), escape_cases[_i].out);

        ck_assert_int_ge(asprintf(&doc, "[\"%s\"]", strbuf_str(&b)), 0);
        ck_assert_msg(json_validate(doc, strlen(doc)), "not valid JSON: %s", doc);
}
END_TEST

/* ---- the writer --------------------------------------------------------------------------- */

START_TEST(test_document) {
        static char *strv[] = { (char *) "a", (char *) "b\"", NULL };
        _cleanup_(json_done) Json j = {};
        _cleanup_free_ char *s = NULL;
        size_t len;

        json_object_open(&j, NULL);
        json_string(&j, "s", "x");
        json_string(&j, "nul", NULL);
        json_string_len(&j, "bin", "a\0b", 3);
        json_bool(&j, "t", true);
        json_bool(&j, "f", false);
        json_null(&j, "n");
        json_u64(&j, "u", UINT64_MAX);
        json_i64(&j, "i", INT64_MIN);
        json_i64(&j, "k", 42);
        json_double(&j, "d", 0.25);
        json_double(&j, "nan", NAN);
        json_double(&j, "inf", -INFINITY);
        json_fixed(&j, "fx", 1.5, 6);
        json_fixed(&j, "fz", 2, 0);
        json_fixed(&j, "fn", INFINITY, 3);
        json_strv(&j, "v", strv);
        json_strv(&j, "vn", NULL);
        json_array_open(&j, "a");
        json_u64(&j, NULL, 1);
        json_object_open(&j, NULL);
        json_object_close(&j);
        json_array_open(&j, NULL);
        json_array_close(&j);
        json_u64(&j, NULL, 2);
        json_array_close(&j);
        json_object_open(&j, "<k>");
        json_object_close(&j);
        json_object_close(&j);
        json_append_raw(&j, "\n");
        ck_assert_int_eq(json_finish(&j, &s, &len), 0);

        ck_assert_str_eq(s, "{\"s\":\"x\",\"nul\":null,\"bin\":\"a\\u0000b\",\"t\":true,\"f\":false,"
                         "\"n\":null,\"u\":18446744073709551615,\"i\":-9223372036854775808,\"k\":42,"
                         "\"d\":0.25,\"nan\":null,\"inf\":null,\"fx\":1.500000,\"fz\":2,\"fn\":null,"
                         "\"v\":[\"a\",\"b\\\"\"],\"vn\":null,\"a\":[1,{},[],2],"
                         "\"\\u003ck\\u003e\":{}}\n");
        ck_assert_uint_eq(len, strlen(s));
        ck_assert(json_validate(s, len));
}
END_TEST

START_TEST(test_top_level_scalar) {
        _cleanup_(json_done) Json j = {};
        _cleanup_free_ char *s = NULL;

        json_string(&j, NULL, "only");
        ck_assert_int_eq(json_finish(&j, &s, NULL), 0);
        ck_assert_str_eq(s, "\"only\"");
}
END_TEST

/* An allocation failure anywhere surfaces once, at the end. */
START_TEST(test_error_latched) {
        _cleanup_(json_done) Json j = {};
        _cleanup_free_ char *s = NULL;

        json_object_open(&j, NULL);
        ck_assert(!strbuf_reserve(&j.buf, SIZE_MAX - 2));
        json_u64(&j, "x", 1);
        json_object_close(&j);
        ck_assert_int_eq(json_finish(&j, &s, NULL), -ENOMEM);
        ck_assert_ptr_null(s);
}
END_TEST

static Suite *json_suite(void) {
        Suite *s = suite_create("json");
        TCase *tc;

        tc = tcase_create("validate");
        tcase_add_loop_test(tc, test_validate_table, 0, ELEMENTSOF(validate_cases));
        tcase_add_test(tc, test_validate_depth);
        suite_add_tcase(s, tc);

        tc = tcase_create("escape");
        tcase_add_loop_test(tc, test_escape_table, 0, ELEMENTSOF(escape_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("writer");
        tcase_add_test(tc, test_document);
        tcase_add_test(tc, test_top_level_scalar);
        tcase_add_test(tc, test_error_latched);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(json_suite)
