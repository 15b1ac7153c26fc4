/* test_ping_http.c — table tests for netlab-ping's response head parser (status,
 * framing, connection handling, limits). The chunked body decoder it shares with the
 * server is tested in test_http_chunked.c, in the client's use too. */
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

static Suite *http_suite(void) {
        Suite *su = suite_create("ping_http");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_parse_head, 0, ELEMENTSOF(head_cases));
        tcase_add_test(tc, test_parse_head_limit);
        suite_add_tcase(su, tc);
        return su;
}

TEST_MAIN(http_suite)
