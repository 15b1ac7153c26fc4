/* test_ping_http.c — table tests for netlab-ping's pure HTTP pieces: the response head
 * parser (status, framing, connection handling, limits) and the chunked body decoder fed
 * whole and byte by byte. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "ping_http.h"
#include "tests.h"

static const struct {
        const char *raw;
        int expect;                     /* 1: the head up to and including the blank line */
        int status;
        int64_t content_length;
        bool chunked, close;
} head_cases[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1, 200, 5, false, false },
        { "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 1, 404, 0, false, true },
        { "HTTP/1.0 200 OK\r\n\r\n", 1, 200, -1, false, true },
        { "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n", 1, 200, -1, false, false },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 1, 200, -1, true, false },
        /* RFC 9112 §6.3: chunked only as the final member of the coding list */
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED , \r\n\r\n", 1, 200, -1, true, false },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 1, 200, -1, false, false },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip chunked\r\n\r\n", 1, 200, -1, false, false },
        { "HTTP/1.1 200 OK\r\nConnection: closed\r\n\r\n", 1, 200, -1, false, false },
        { "HTTP/1.1 204\r\n\r\n", 1, 204, -1, false, false },
        { "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", 1, 200, 3, false, false },     /* bare LF */
        { "HTTP/1.1 200 OK\r\ncontent-length:  7 \r\nCONNECTION: keep-alive, close\r\n\r\n", 1, 200, 7, false, true },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 1, 200, 5, false, false },
        { .raw = "HTTP/1.1 200 OK\r\nContent-Length: 5", .expect = -EAGAIN },
        { .raw = "HTTP/1.1 200 OK\r\n", .expect = -EAGAIN },
        { .raw = "", .expect = -EAGAIN },
        { .raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/2 200\r\n\r\n", .expect = -EBADMSG },
        { .raw = "SSH-2.0-OpenSSH\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 20 OK\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 099 X\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 200OK\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", .expect = -EBADMSG },
        { .raw = "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", .expect = -EBADMSG },
};

START_TEST(test_parse_head) {
        const char *raw = head_cases[_i].raw;
        PingHttpHead h = {};
        int r;

        int expect = head_cases[_i].expect;
        if (expect == 1) {
                const char *crlf = strstr(raw, "\r\n\r\n"), *lf = strstr(raw, "\n\n");
                expect = crlf ? (int) (crlf - raw) + 4 : (int) (lf - raw) + 2;
        }

        r = ping_http_parse_head(raw, strlen(raw), &h);
        ck_assert_msg(r == expect, "case %d: got %d, expected %d", _i, r, expect);
        if (r > 0) {
                ck_assert_int_eq(h.status, head_cases[_i].status);
                ck_assert_int_eq(h.content_length, head_cases[_i].content_length);
                ck_assert(h.chunked == head_cases[_i].chunked);
                ck_assert(h.close == head_cases[_i].close);
        }
}
END_TEST

START_TEST(test_parse_head_limit) {
        size_t n = PING_HTTP_HEAD_MAX + 10;
        char *buf = malloc(n);
        PingHttpHead h;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, "HTTP/1.1 200 OK\r\nX: ", 20);
        memset(buf + 20, 'a', n - 20);
        /* at the limit - 1 without a blank line: still incomplete; at the limit: too long */
        ck_assert_int_eq(ping_http_parse_head(buf, PING_HTTP_HEAD_MAX - 1, &h), -EAGAIN);
        ck_assert_int_eq(ping_http_parse_head(buf, PING_HTTP_HEAD_MAX, &h), -EMSGSIZE);
        ck_assert_int_eq(ping_http_parse_head(buf, n, &h), -EMSGSIZE);
        free(buf);
}
END_TEST

static const struct {
        const char *raw;
        int expect;                     /* bytes consumed, or -errno */
        uint64_t body;
} chunk_cases[] = {
        { "5\r\nhello\r\n0\r\n\r\n", 15, 5 },
        { "5\r\nhello\r\n0\r\n\r\nEXTRA", 15, 5 },
        { "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", 38, 5 },
        { "A\r\n0123456789\r\n0\r\n\r\n", 20, 10 },
        { "a\nxxxxxxxxxx\n0\n\n", 16, 10 },                                     /* bare LF */
        { "0\r\n\r\n", 5, 0 },
        { "5\r\nhel", -EAGAIN, 3 },
        { "5\r\nhello\r\n0\r\n", -EAGAIN, 5 },
        { "x\r\n", -EBADMSG, 0 },
        { "\r\n", -EBADMSG, 0 },
        { "5\r\nhelloXX", -EBADMSG, 5 },
        { "fffffffffffffffff\r\n", -EBADMSG, 0 },
};

START_TEST(test_chunked_whole) {
        PingHttpChunked c = {};
        const char *raw = chunk_cases[_i].raw;

        ck_assert_int_eq(ping_http_chunked_feed(&c, raw, strlen(raw)), chunk_cases[_i].expect);
        ck_assert_uint_eq(c.body_bytes, chunk_cases[_i].body);
}
END_TEST

START_TEST(test_chunked_bytewise) {
        PingHttpChunked c = {};
        const char *raw = chunk_cases[_i].raw;
        int r = -EAGAIN;
        size_t i;

        for (i = 0; raw[i] && r == -EAGAIN; i++)
                r = ping_http_chunked_feed(&c, raw + i, 1);
        if (chunk_cases[_i].expect > 0) {
                ck_assert_int_eq(r, 1);
                ck_assert_uint_eq(i, (size_t) chunk_cases[_i].expect);
        } else
                ck_assert_int_eq(r, chunk_cases[_i].expect);
        ck_assert_uint_eq(c.body_bytes, chunk_cases[_i].body);
}
END_TEST

static Suite *http_suite(void) {
        Suite *su = suite_create("ping_http");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_parse_head, 0, ELEMENTSOF(head_cases));
        tcase_add_test(tc, test_parse_head_limit);
        tcase_add_loop_test(tc, test_chunked_whole, 0, ELEMENTSOF(chunk_cases));
        tcase_add_loop_test(tc, test_chunked_bytewise, 0, ELEMENTSOF(chunk_cases));
        suite_add_tcase(su, tc);
        return su;
}

TEST_MAIN(http_suite)
