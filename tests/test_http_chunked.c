/* test_http_chunked.c — table tests for the one chunked decoder (src/shared/http_chunked.c)
 * in both of its uses: the server's, with a body limit (strict RFC 9112 §7.1 syntax,
 * limit and limit+1), and the client's, without a limit but counting the data bytes
 * that arrived (netlab-ping reports them for a body cut short). Every case is also fed
 * byte by byte and must give the same verdict. */

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "http_chunked.h"
#include "macro.h"
#include "tests.h"

/* ---- the server's use: limit = http.max_body (1024 here) ----------------------------- */

static const struct {
        const char *raw;
        int expect;                     /* 1 done, 0 need more, -errno */
        size_t consumed;                /* when done: bytes of the body */
} chunks[] = {
        { "0\r\n\r\n", 1, 5 },
        { "0\r\n\r\nGET / HTTP/1.1\r\n", 1, 5 },            /* the next request stays */
        { "5\r\nhello\r\n0\r\n\r\n", 1, 15 },
        { "5;ext=1\r\nhello\r\n0;x\r\n\r\n", 1, 23 },
        { "A\r\n0123456789\r\n0\r\n\r\n", 1, 20 },
        { "a\r\n0123456789\r\n00\r\nTrailer: x\r\n\r\n", 1, 33 },
        { "5;a;b=c;d=\"q \\\" x\"\r\nhello\r\n0\r\n\r\n", 1, 32 },  /* several, quoted-pair */
        { "5 ;a = b\r\nhello\r\n0\r\n\r\n", 1, 22 },             /* BWS around ';' and '=' */
        { "0\r\nA: 1\r\nB:2 \r\n\r\n", 1, 17 },
        { "5\r\nhel", 0, 0 },
        { "5\r\nhello\r\n", 0, 0 },
        { "0\r\n", 0, 0 },
        { "0\r\nX: y\r\n", 0, 0 },
        { "", 0, 0 },
        { "\r\n", -EBADMSG, 0 },                               /* no size */
        { "g\r\n", -EBADMSG, 0 },
        { "-5\r\n", -EBADMSG, 0 },
        { "5\rhello", -EBADMSG, 0 },                           /* bare CR */
        { "5\r\nhelloXX", -EBADMSG, 0 },                      /* no CRLF after data */
        { "5;\x01\r\nhello\r\n", -EBADMSG, 0 },              /* CTL in an extension */
        { "0\r\n folded\r\n\r\n", -EBADMSG, 0 },             /* obs-fold in the trailer */
        { "0\r\nX: \x01\r\n\r\n", -EBADMSG, 0 },
        { "0\r\n\rx", -EBADMSG, 0 },
        { "401\r\n", -EMSGSIZE, 0 },                           /* 1025 > limit 1024 */
        { "200\r\n", 0, 0 },                                   /* 512: fine so far */
        { "fffffffffffffffff\r\n", -EMSGSIZE, 0 },             /* 17 hex digits */
        /* RFC 9112 §7.1 strictly: CRLF on every line, an extension only after ';' */
        { "5\nhello\r\n0\r\n\r\n", -EBADMSG, 0 },             /* bare LF after the size */
        { "5;e\nhello\r\n", -EBADMSG, 0 },                    /* ... after an extension */
        { "5;e=v\nhello\r\n", -EBADMSG, 0 },
        { "5;e=\"v\"\nhello\r\n", -EBADMSG, 0 },
        { "5\r\nhello\n0\r\n\r\n", -EBADMSG, 0 },             /* ... after the data */
        { "0\r\nX: y\n\r\n", -EBADMSG, 0 },                   /* ... after a trailer line */
        { "0\r\n\n", -EBADMSG, 0 },                           /* ... as the last line */
        { "5\nhello\n0\n\n", -EBADMSG, 0 },                   /* all bare LF */
        { "5 \r\nhello\r\n", -EBADMSG, 0 },                   /* BWS without ';' */
        { "5 e\r\nhello\r\n", -EBADMSG, 0 },                  /* an extension without ';' */
        { "5e\r\n", 0, 0 },                                     /* (hex: 0x5e, fine so far) */
        { "5x\r\nhello\r\n", -EBADMSG, 0 },
        { "5;\r\nhello\r\n", -EBADMSG, 0 },                   /* ';' without a name */
        { "5;=v\r\nhello\r\n", -EBADMSG, 0 },
        { "5;e=\r\nhello\r\n", -EBADMSG, 0 },                 /* '=' without a value */
        { "5;e=v w\r\nhello\r\n", -EBADMSG, 0 },
        { "5;e=\"v\r\nhello\r\n", -EBADMSG, 0 },              /* CR inside a quoted-string */
        { "5;e\"\r\nhello\r\n", -EBADMSG, 0 },
        { "5;e=v \r\nhello\r\n", -EBADMSG, 0 },               /* trailing BWS */
        { "0\r\n: v\r\n\r\n", -EBADMSG, 0 },                  /* trailer without a name */
        { "0\r\nX : v\r\n\r\n", -EBADMSG, 0 },                /* space before ':' */
        { "0\r\nX\r\n\r\n", -EBADMSG, 0 },                    /* no ':' */
};

START_TEST(test_server_table) {
        const char *raw = chunks[_i].raw;
        size_t len = strlen(raw), consumed = 99;
        HttpChunked st = {}, st2 = {};
        int r = http_chunked_feed(&st, raw, len, 1024, &consumed);

        ck_assert_msg(r == chunks[_i].expect, "chunk case %d: %d", _i, r);
        if (r == 1)
                ck_assert_int_eq(consumed, chunks[_i].consumed);
        if (r == 0)
                ck_assert_int_eq(consumed, len);

        /* Byte by byte gives the same verdict. */
        size_t total = 0;
        int r2 = 0;
        for (size_t i = 0; i < len && r2 == 0; i++) {
                size_t c = 0;

                r2 = http_chunked_feed(&st2, raw + i, 1, 1024, &c);
                total += r2 >= 0 ? c : 0;
        }
        ck_assert_int_eq(r2, r);
        if (r == 1)
                ck_assert_int_eq(total, chunks[_i].consumed);
}
END_TEST

START_TEST(test_server_two_chunks_over_limit) {
        HttpChunked st = {};
        size_t c;
        char body[1200];

        /* 2 x 600 bytes: each chunk fits, the sum does not */
        memset(body, 'x', sizeof(body));
        ck_assert_int_eq(http_chunked_feed(&st, "258\r\n", 5, 1024, &c), 0);
        ck_assert_int_eq(http_chunked_feed(&st, body, 600, 1024, &c), 0);
        ck_assert_int_eq(http_chunked_feed(&st, "\r\n258\r\n", 7, 1024, &c), -EMSGSIZE);
}
END_TEST

/* ---- the client's use: no limit, and the data bytes so far ---------------------------- */

static const struct {
        const char *raw;
        int expect;                     /* 1 done, 0 need more, -errno */
        size_t consumed;                /* when done: bytes of the body */
        uint64_t data;                  /* chunk data bytes counted */
} client_cases[] = {
        { "5\r\nhello\r\n0\r\n\r\n", 1, 15, 5 },
        { "5\r\nhello\r\n0\r\n\r\nEXTRA", 1, 15, 5 },
        { "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", 1, 38, 5 },
        { "A\r\n0123456789\r\n0\r\n\r\n", 1, 20, 10 },
        { "0\r\n\r\n", 1, 5, 0 },
        { "5\r\nhel", 0, 0, 3 },                                 /* cut short: 3 bytes arrived */
        { "5\r\nhello\r\n0\r\n", 0, 0, 5 },
        { "ffffffffffffffff\r\nab", 0, 0, 2 },                   /* 2^64 - 1: no limit */
        { "a\nxxxxxxxxxx\n0\n\n", -EBADMSG, 0, 0 },              /* bare LF: a protocol error */
        { "5\r\nhello\n0\r\n\r\n", -EBADMSG, 0, 5 },
        { "x\r\n", -EBADMSG, 0, 0 },
        { "\r\n", -EBADMSG, 0, 0 },
        { "5\r\nhelloXX", -EBADMSG, 0, 5 },
        { "fffffffffffffffff\r\n", -EMSGSIZE, 0, 0 },             /* 17 hex digits */
};

START_TEST(test_client_table) {
        const char *raw = client_cases[_i].raw;
        size_t len = strlen(raw), consumed = 99;
        HttpChunked st = {}, st2 = {};
        int r = http_chunked_feed(&st, raw, len, UINT64_MAX, &consumed);

        ck_assert_msg(r == client_cases[_i].expect, "client case %d: %d", _i, r);
        ck_assert_uint_eq(st.data, client_cases[_i].data);
        if (r == 1)
                ck_assert_uint_eq(consumed, client_cases[_i].consumed);
        if (r == 0)
                ck_assert_uint_eq(consumed, len);

        size_t total = 0;
        int r2 = 0;
        for (size_t i = 0; i < len && r2 == 0; i++) {
                size_t c = 0;

                r2 = http_chunked_feed(&st2, raw + i, 1, UINT64_MAX, &c);
                total += r2 >= 0 ? c : 0;
        }
        ck_assert_int_eq(r2, r);
        ck_assert_uint_eq(st2.data, client_cases[_i].data);
        if (r == 1)
                ck_assert_uint_eq(total, client_cases[_i].consumed);
}
END_TEST

/* Without a limit the sum of the sizes must still not wrap around. */
START_TEST(test_client_total_no_wrap) {
        HttpChunked fits = { .total = UINT64_MAX - 3 }, wraps = { .total = UINT64_MAX - 3 };
        size_t c = 0;

        ck_assert_int_eq(http_chunked_feed(&fits, "3\r\n", 3, UINT64_MAX, &c), 0);
        ck_assert_uint_eq(fits.total, UINT64_MAX);
        ck_assert_int_eq(http_chunked_feed(&wraps, "5\r\n", 3, UINT64_MAX, &c), -EMSGSIZE);
}
END_TEST

static Suite *http_chunked_suite(void) {
        Suite *s = suite_create("http_chunked");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_server_table, 0, ELEMENTSOF(chunks));
        tcase_add_test(tc, test_server_two_chunks_over_limit);
        tcase_add_loop_test(tc, test_client_table, 0, ELEMENTSOF(client_cases));
        tcase_add_test(tc, test_client_total_no_wrap);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_chunked_suite)
