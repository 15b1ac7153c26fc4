/* test_http_serve.c — path decoding and normalization (encoded dots, %2e%2e, ..%2f,
 * double slashes, backslashes, NUL), the hidden-file rule, conditional requests, Range
 * and ETags: the pure half. The file system half is test_http_fs.c. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http_serve.h"
#include "macro.h"
#include "tests.h"

static const struct {
        const char *in;
        int expect;                     /* 0: ok, else -errno */
        const char *out;
} paths[] = {
        { "/", 0, "/" },
        { "/index.html", 0, "/index.html" },
        { "/a/b/", 0, "/a/b/" },
        { "//a//b", 0, "/a/b" },
        { "/a/./b", 0, "/a/b" },
        { "/a/../b", 0, "/b" },
        { "/a/b/..", 0, "/a/" },
        { "/a/b/.", 0, "/a/b/" },
        { "/a/%2e%2e/b", 0, "/b" },
        { "/a/%2E%2E/b", 0, "/b" },
        { "/a/.%2e/b", 0, "/b" },
        { "/%2e%2e/x", -EBADMSG, NULL },
        { "/../x", -EBADMSG, NULL },
        { "/..", -EBADMSG, NULL },
        { "/a/../../x", -EBADMSG, NULL },
        { "/..%2fetc/passwd", -EBADMSG, NULL },
        { "/a/..%2f..%2fetc", -EBADMSG, NULL },
        { "/%2e%2e%2fetc%2fpasswd", -EBADMSG, NULL },
        { "/a%2fb", 0, "/a/b" },
        { "/a%252e%252e/b", 0, "/a%2e%2e/b" },  /* decoded once only */
        { "/a\\..\\b", 0, "/a\\..\\b" },          /* backslash is a file name byte */
        { "/..\\x", 0, "/..\\x" },
        { "/%00", -EBADMSG, NULL },
        { "/a%00.html", -EBADMSG, NULL },
        { "/a%0a", -EBADMSG, NULL },
        { "/a%7f", -EBADMSG, NULL },
        { "/a%", -EBADMSG, NULL },
        { "/a%4", -EBADMSG, NULL },
        { "/a%zz", -EBADMSG, NULL },
        { "/a%g0", -EBADMSG, NULL },
        { "/hello%20world.html", 0, "/hello world.html" },
        { "/caf%C3%A9", 0, "/caf\xc3\xa9" },
        { "a", -EBADMSG, NULL },
        { "", -EBADMSG, NULL },
        { "/.hidden", 0, "/.hidden" },
        { "/...", 0, "/..." },
};

START_TEST(test_normalize) {
        char buf[HTTP_SERVE_PATH_MAX];
        int r = http_serve_normalize_path(paths[_i].in, strlen(paths[_i].in), buf, sizeof(buf));

        if (paths[_i].expect == 0) {
                ck_assert_msg(r > 0, "'%s': %d", paths[_i].in, r);
                ck_assert_str_eq(buf, paths[_i].out);
                ck_assert_int_eq(r, strlen(paths[_i].out));
        } else
                ck_assert_msg(r == paths[_i].expect, "'%s': %d", paths[_i].in, r);
}
END_TEST

START_TEST(test_normalize_long) {
        char in[300], out[64];

        memset(in, 'a', sizeof(in));
        in[0] = '/';
        ck_assert_int_eq(http_serve_normalize_path(in, sizeof(in), out, sizeof(out)), -ENAMETOOLONG);
        ck_assert_int_eq(http_serve_normalize_path(in, sizeof(out) - 1, out, sizeof(out)), sizeof(out) - 1);
}
END_TEST

START_TEST(test_hidden_and_escape) {
        char buf[256];

        ck_assert(http_serve_path_hidden("/.git/config"));
        ck_assert(http_serve_path_hidden("/a/.env"));
        ck_assert(http_serve_path_hidden("/a/.b/"));
        ck_assert(!http_serve_path_hidden("/a/b.c"));
        ck_assert(!http_serve_path_hidden("/"));

        ck_assert_int_gt(http_serve_uri_escape("/a b/\"x\"<y>?#%", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/a%20b/%22x%22%3Cy%3E%3F%23%25");
        ck_assert_int_gt(http_serve_uri_escape("/caf\xc3\xa9", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/caf%C3%A9");
        ck_assert_int_eq(http_serve_uri_escape("/abc", buf, 4), -ENOBUFS);

        ck_assert_int_gt(http_serve_html_escape("<a href=\"x\">&'", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        ck_assert_int_eq(http_serve_html_escape("<<<", buf, 5), -ENOBUFS);
}
END_TEST

#define S(x) ((HttpSlice) { (x), sizeof(x) - 1 })
#define NONE ((HttpSlice) { NULL, 0 })
#define MTIME (784111777ULL * USEC_PER_SEC)     /* Sun, 06 Nov 1994 08:49:37 GMT */

static const struct {
        HttpSlice inm, ims;
        bool expect;
} conds[] = {
        { NONE, NONE, false },
        { S("\"e1\""), NONE, true },
        { S("W/\"e1\""), NONE, true },                  /* weak comparison */
        { S("\"x\", \"e1\""), NONE, true },
        { S("\"x\",\"y\""), NONE, false },
        { S("*"), NONE, true },
        { S("\"e1"), NONE, false },
        { S("e1"), NONE, false },
        { NONE, S("Sun, 06 Nov 1994 08:49:37 GMT"), true },
        { NONE, S("Sun, 06 Nov 1994 08:49:38 GMT"), true },
        { NONE, S("Sun, 06 Nov 1994 08:49:36 GMT"), false },
        { NONE, S("Sunday, 06-Nov-94 08:49:37 GMT"), true },
        { NONE, S("not a date at all, not at all"), false },
        { S("\"x\""), S("Sun, 06 Nov 1994 08:49:37 GMT"), false },  /* INM wins */
};

START_TEST(test_conditional) {
        ck_assert_int_eq(http_serve_not_modified(conds[_i].inm, conds[_i].ims, "\"e1\"", MTIME + 500000),
                         conds[_i].expect);
}
END_TEST

static const struct {
        HttpSlice im, ius;
        bool expect;
} preconds[] = {
        { NONE, NONE, false },
        { S("\"e1\""), NONE, false },
        { S("\"x\", \"e1\""), NONE, false },
        { S("*"), NONE, false },
        { S("\"x\""), NONE, true },
        { S("W/\"e1\""), NONE, true },                  /* strong comparison */
        { S("e1"), NONE, true },
        { NONE, S("Sun, 06 Nov 1994 08:49:37 GMT"), false },
        { NONE, S("Sun, 06 Nov 1994 08:49:38 GMT"), false },
        { NONE, S("Sun, 06 Nov 1994 08:49:36 GMT"), true },
        { NONE, S("garbage"), false },                  /* not a date: ignored */
        { S("\"e1\""), S("Sun, 06 Nov 1994 08:49:36 GMT"), false },  /* If-Match wins */
};

START_TEST(test_precondition) {
        ck_assert_msg(http_serve_precondition_failed(preconds[_i].im, preconds[_i].ius, "\"e1\"", MTIME + 500000) ==
                      preconds[_i].expect, "case %d", _i);
}
END_TEST

static const struct {
        HttpSlice range, if_range;
        int expect;
        uint64_t first, last;
} ranges[] = {
        { NONE, NONE, 0, 0, 0 },
        { S("bytes=0-9"), NONE, 1, 0, 9 },
        { S("bytes=10-"), NONE, 1, 10, 99 },
        { S("bytes=-10"), NONE, 1, 90, 99 },
        { S("bytes=-1000"), NONE, 1, 0, 99 },
        { S("bytes=50-1000"), NONE, 1, 50, 99 },
        { S("bytes=99-99"), NONE, 1, 99, 99 },
        { S("BYTES=0-0"), NONE, 1, 0, 0 },
        { S("bytes=100-"), NONE, -ERANGE, 0, 0 },
        { S("bytes=100-200"), NONE, -ERANGE, 0, 0 },
        { S("bytes=-0"), NONE, -ERANGE, 0, 0 },
        { S("bytes=99999999999999999999999-"), NONE, -ERANGE, 0, 0 },
        { S("bytes=5-1"), NONE, 0, 0, 0 },              /* invalid: ignored */
        { S("bytes=a-b"), NONE, 0, 0, 0 },
        { S("bytes=-"), NONE, 0, 0, 0 },
        { S("bytes="), NONE, 0, 0, 0 },
        { S("bytes=0-1,5-6"), NONE, 0, 0, 0 },          /* several: whole file */
        { S("bytes=0-1, 200-300"), NONE, 0, 0, 0 },     /* one satisfiable of several */
        { S("bytes=100-200,300-"), NONE, -ERANGE, 0, 0 },       /* none satisfiable: 416 */
        { S("bytes=100-200, -0"), NONE, -ERANGE, 0, 0 },
        { S("bytes=100-200,x"), NONE, 0, 0, 0 },        /* an invalid spec: ignored */
        { S("bytes=0-1,"), NONE, 1, 0, 1 },             /* empty list elements are allowed */
        { S("bytes= 0-1 "), NONE, 1, 0, 1 },
        { S("bytes=0 - 1"), NONE, 0, 0, 0 },            /* no OWS inside a spec */
        { S("bytes=0-99999999999999999999999"), NONE, 1, 0, 99 },   /* clamped */
        { (HttpSlice) { "bytes=0-1", 0 }, NONE, 0, 0, 0 },  /* doubled Range from the parser */
        { S("items=0-1"), NONE, 0, 0, 0 },
        { S("bytes=0-9"), S("\"e1\""), 1, 0, 9 },
        { S("bytes=0-9"), S("\"other\""), 0, 0, 0 },
        { S("bytes=0-9"), S("W/\"e1\""), 0, 0, 0 },     /* weak never matches If-Range */
        { S("bytes=0-9"), S("Sun, 06 Nov 1994 08:49:37 GMT"), 1, 0, 9 },
        { S("bytes=0-9"), S("Sun, 06 Nov 1994 08:49:38 GMT"), 0, 0, 0 },
};

START_TEST(test_range) {
        uint64_t first = 7, last = 7;
        int r = http_serve_range(ranges[_i].range, ranges[_i].if_range, "\"e1\"", MTIME, 100, &first, &last);

        ck_assert_msg(r == ranges[_i].expect, "case %d: %d", _i, r);
        if (r > 0) {
                ck_assert_uint_eq(first, ranges[_i].first);
                ck_assert_uint_eq(last, ranges[_i].last);
        }
}
END_TEST

/* If-Range with a date on a Wednesday: it starts with 'W' but is not a weak tag "W/". */
START_TEST(test_range_if_range_wednesday) {
        usec_t wed = MTIME + 3 * 24 * 3600 * USEC_PER_SEC;      /* Wed, 09 Nov 1994 08:49:37 GMT */
        uint64_t f = 7, l = 7;

        ck_assert_int_eq(http_serve_range(S("bytes=0-9"), S("Wed, 09 Nov 1994 08:49:37 GMT"), "\"e1\"", wed, 100,
                                          &f, &l), 1);
        ck_assert_uint_eq(f, 0);
        ck_assert_uint_eq(l, 9);
        ck_assert_int_eq(http_serve_range(S("bytes=0-9"), S("W/\"e1\""), "\"e1\"", wed, 100, &f, &l), 0);
}
END_TEST

START_TEST(test_range_empty_file) {
        uint64_t f, l;

        ck_assert_int_eq(http_serve_range(S("bytes=0-"), NONE, NULL, 0, 0, &f, &l), -ERANGE);
        ck_assert_int_eq(http_serve_range(S("bytes=-5"), NONE, NULL, 0, 0, &f, &l), -ERANGE);
}
END_TEST

/* SipHash-2-4 test vector (the reference implementation's vectors.h, message 00 01 ..
 * 17 = three little-endian words, key 00 01 .. 0f): the ETag is the real PRF. */
START_TEST(test_etag) {
        uint8_t key[HTTP_SERVE_ETAG_KEY_SIZE], key2[HTTP_SERVE_ETAG_KEY_SIZE];
        struct stat st = { .st_ino = 0x0706050403020100, .st_size = 0x0f0e0d0c0b0a0908 };
        char a[HTTP_SERVE_ETAG_MAX], b[HTTP_SERVE_ETAG_MAX], ino[32];

        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = key2[i] = (uint8_t) i;
        key2[15] ^= 1;
        /* mtime_ns = 0x1716151413121110 */
        st.st_mtim.tv_sec = (time_t) (0x1716151413121110ULL / 1000000000ULL);
        st.st_mtim.tv_nsec = (long) (0x1716151413121110ULL % 1000000000ULL);
        http_serve_etag(&st, key, a, sizeof(a));
        ck_assert_str_eq(a, "\"b8ad50c6f649af94\"");     /* vectors_sip64[24] as a little-endian u64 */

        /* Same file, same key: the same tag (stable across restarts for one machine). */
        http_serve_etag(&st, key, b, sizeof(b));
        ck_assert_str_eq(a, b);
        /* Another key: another tag. */
        http_serve_etag(&st, key2, b, sizeof(b));
        ck_assert_str_ne(a, b);

        /* No inode number in it, in any base, and any change of inode, size or mtime
         * (even by a nanosecond) is a new version. */
        st = (struct stat) { .st_ino = 1234567, .st_size = 20 };
        st.st_mtim.tv_sec = 1;
        http_serve_etag(&st, key, a, sizeof(a));
        (void) snprintf(ino, sizeof(ino), "%d", 1234567);
        ck_assert_ptr_null(strstr(a, ino));
        ck_assert_ptr_null(strstr(a, "12d687"));
        ck_assert_uint_eq(strlen(a), 18);
        st.st_mtim.tv_nsec = 1;
        http_serve_etag(&st, key, b, sizeof(b));
        ck_assert_str_ne(a, b);
        st.st_mtim.tv_nsec = 0;
        st.st_ino++;
        http_serve_etag(&st, key, b, sizeof(b));
        ck_assert_str_ne(a, b);
}
END_TEST

static Suite *http_serve_suite(void) {
        Suite *s = suite_create("http_serve");
        TCase *tc = tcase_create("pure");

        tcase_add_loop_test(tc, test_normalize, 0, ELEMENTSOF(paths));
        tcase_add_test(tc, test_normalize_long);
        tcase_add_test(tc, test_hidden_and_escape);
        tcase_add_loop_test(tc, test_conditional, 0, ELEMENTSOF(conds));
        tcase_add_loop_test(tc, test_precondition, 0, ELEMENTSOF(preconds));
        tcase_add_loop_test(tc, test_range, 0, ELEMENTSOF(ranges));
        tcase_add_test(tc, test_range_if_range_wednesday);
        tcase_add_test(tc, test_range_empty_file);
        tcase_add_test(tc, test_etag);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_serve_suite)
