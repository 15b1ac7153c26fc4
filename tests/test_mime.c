/* test_mime.c — the MIME table: parsing mime.types text (comments, blank lines, types
 * without extensions), first mapping wins, the built-in fallback, case-insensitive
 * lookup by the last extension of the last path component. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "mime.h"
#include "tests.h"

static const char sample[] =
        "# comment line\n"
        "\n"
        "text/html\t\t\t\t\thtml htm shtml\n"
        "application/x-foo foo\n"
        "application/x-other foo\n"             /* later mapping of .foo loses */
        "image/png png\n"
        "application/no-extension\n"
        "text/css css # trailing comment\n"
        "not-a-type bar\n"
        "application/json json\r\n";

static const struct {
        const char *name, *type;
} cases[] = {
        { "index.html", "text/html; charset=utf-8" },
        { "/a/b/INDEX.HTML", "text/html; charset=utf-8" },
        { "x.HtM", "text/html; charset=utf-8" },
        { "a.foo", "application/x-foo" },
        { "a.png", "image/png" },
        { "style.css", "text/css; charset=utf-8" },
        { "data.json", "application/json; charset=utf-8" },
        { "a.bar", MIME_DEFAULT_TYPE },                 /* line without a type */
        { "archive.tar.gz", "application/gzip" },       /* fallback table */
        { "app.js", "text/javascript; charset=utf-8" }, /* fallback table */
        { "README", MIME_DEFAULT_TYPE },
        { "dir.html/file", MIME_DEFAULT_TYPE },         /* the dot is in a directory name */
        { "trailing.", MIME_DEFAULT_TYPE },
        { ".html", "text/html; charset=utf-8" },
        { "x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", MIME_DEFAULT_TYPE },
};

START_TEST(test_mime_table) {
        _cleanup_(mime_table_freep) MimeTable *t = NULL;

        ck_assert_int_eq(mime_table_new(sample, strlen(sample), &t), 0);
        ck_assert_str_eq(mime_table_lookup(t, cases[_i].name), cases[_i].type);
}
END_TEST

START_TEST(test_mime_builtin_only) {
        _cleanup_(mime_table_freep) MimeTable *t = NULL;

        ck_assert_int_eq(mime_table_new(NULL, 0, &t), 0);
        ck_assert_str_eq(mime_table_lookup(t, "helloWorld.html"), "text/html; charset=utf-8");
        ck_assert_str_eq(mime_table_lookup(t, "x.svg"), "image/svg+xml");
        ck_assert_str_eq(mime_table_lookup(t, "x.woff2"), "font/woff2");
        ck_assert_str_eq(mime_table_lookup(t, "x.unknown"), MIME_DEFAULT_TYPE);
        ck_assert_int_gt(mime_table_size(t), 20);
}
END_TEST

/* issue 12: bare CR separates tokens as well as space, tab and LF, so the entry array
 * must be sized for CR-separated tokens too (this overflowed the heap, seen by ASan). */
START_TEST(test_mime_cr_separators) {
        _cleanup_(mime_table_freep) MimeTable *t = NULL;
        _cleanup_free_ char *text = NULL;
        static const char head[] = "application/x-cr";
        size_t len = sizeof(head) - 1, n_ext = 2000;

        text = malloc(len + n_ext * 3);
        ck_assert_ptr_nonnull(text);
        memcpy(text, head, len);
        for (size_t i = 0; i < n_ext; i++) {
                text[len++] = '\r';
                text[len++] = (char) ('a' + i % 26);
                text[len++] = (char) ('a' + i / 26 % 26);
        }
        ck_assert_int_eq(mime_table_new(text, len, &t), 0);
        ck_assert_str_eq(mime_table_lookup(t, "x.ab"), "application/x-cr");
        ck_assert_str_eq(mime_table_lookup(t, "x.ZZ"), "application/x-cr");
        ck_assert_str_eq(mime_table_lookup(t, "x.html"), "text/html; charset=utf-8");

        t = mime_table_free(t);
        /* Only separators, of every kind: no tokens at all. */
        ck_assert_int_eq(mime_table_new("\r\r\n\t \r", 6, &t), 0);
        ck_assert_str_eq(mime_table_lookup(t, "x.png"), "image/png");
}
END_TEST

/* The real file, if the system has it (Debian's media-types). */
START_TEST(test_mime_system) {
        _cleanup_(mime_table_freep) MimeTable *t = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = fopen("/etc/mime.types", "re");
        size_t len;

        if (!f)
                return;
        text = malloc(1024 * 1024);
        ck_assert_ptr_nonnull(text);
        len = fread(text, 1, 1024 * 1024, f);
        ck_assert_int_eq(mime_table_new(text, len, &t), 0);
        ck_assert_str_eq(mime_table_lookup(t, "a.html"), "text/html; charset=utf-8");
        ck_assert_str_eq(mime_table_lookup(t, "a.png"), "image/png");
        ck_assert_str_eq(mime_table_lookup(t, "a.css"), "text/css; charset=utf-8");
        ck_assert_int_gt(mime_table_size(t), 500);
}
END_TEST

static Suite *mime_suite(void) {
        Suite *s = suite_create("mime");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_mime_table, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_mime_builtin_only);
        tcase_add_test(tc, test_mime_cr_separators);
        tcase_add_test(tc, test_mime_system);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(mime_suite)
