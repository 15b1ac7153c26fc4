/* test_http_response.c — response heads (status line, every optional field, the
 * bounded buffer), HTTP date formatting and the three date formats a recipient must
 * parse, and the error pages. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_response.h"
#include "macro.h"
#include "tests.h"

/* 1994-11-06 08:49:37 UTC, the RFC's example */
#define RFC_EXAMPLE_USEC (784111777ULL * USEC_PER_SEC)

START_TEST(test_date_format) {
        char buf[HTTP_DATE_LEN + 1];

        ck_assert_str_eq(http_response_format_date(RFC_EXAMPLE_USEC, buf), "Sun, 06 Nov 1994 08:49:37 GMT");
        ck_assert_str_eq(http_response_format_date(0, buf), "Thu, 01 Jan 1970 00:00:00 GMT");
        ck_assert_int_eq(strlen(buf), HTTP_DATE_LEN);
}
END_TEST

static const struct {
        const char *s;
        int expect;
        usec_t usec;
} dates[] = {
        { "Sun, 06 Nov 1994 08:49:37 GMT", 0, RFC_EXAMPLE_USEC },
        { "Sunday, 06-Nov-94 08:49:37 GMT", 0, RFC_EXAMPLE_USEC },
        { "Sun Nov  6 08:49:37 1994", 0, RFC_EXAMPLE_USEC },
        { "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
        { "Sun, 06 Nov 1994 08:49:37 UTC", -EINVAL, 0 },
        { "Sun, 06 Foo 1994 08:49:37 GMT", -EINVAL, 0 },
        { "Sun, 06 Nov 1994 25:49:37 GMT", -EINVAL, 0 },
        { "Sun, 6 Nov 1994 08:49:37 GMT", -EINVAL, 0 },
        { "", -EINVAL, 0 },
        { "garbage garbage garbage garbage", -EINVAL, 0 },
        { "Sun, 06 Nov 1994 08:49:37 GMT ", -EINVAL, 0 },
};

START_TEST(test_date_parse) {
        usec_t u = 1;
        int r = http_response_parse_date(dates[_i].s, strlen(dates[_i].s), &u);

        ck_assert_msg(r == dates[_i].expect, "'%s': %d", dates[_i].s, r);
        if (r == 0)
                ck_assert_uint_eq(u, dates[_i].usec);
}
END_TEST

START_TEST(test_head_full) {
        char buf[HTTP_RESPONSE_HEAD_MAX];
        HttpResponse r = {
                .status = 206,
                .server = "netlabd",
                .date_usec = RFC_EXAMPLE_USEC,
                .content_type = "text/html; charset=utf-8",
                .has_body_length = true,
                .content_length = 10,
                .last_modified_usec = RFC_EXAMPLE_USEC,
                .etag = "\"1-2-3\"",
                .accept_ranges = true,
                .content_range = true,
                .range_first = 10,
                .range_last = 19,
                .range_total = 100,
                .keep_alive = true,
        };
        int n = http_response_head(&r, buf, sizeof(buf));

        ck_assert_int_gt(n, 0);
        buf[n] = 0;
        ck_assert_str_eq(buf,
                         "HTTP/1.1 206 Partial Content\r\n"
                         "Server: netlabd\r\n"
                         "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                         "Content-Type: text/html; charset=utf-8\r\n"
                         "Content-Length: 10\r\n"
                         "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                         "ETag: \"1-2-3\"\r\n"
                         "Content-Range: bytes 10-19/100\r\n"
                         "Accept-Ranges: bytes\r\n"
                         "\r\n");
}
END_TEST

START_TEST(test_head_variants) {
        char buf[HTTP_RESPONSE_HEAD_MAX];
        HttpResponse r = { .status = 416, .date_usec = 0, .range_unsatisfied = true, .range_total = 5 };
        int n;

        n = http_response_head(&r, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        buf[n] = 0;
        ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 416 Range Not Satisfiable\r\n"));
        ck_assert_ptr_nonnull(strstr(buf, "Content-Range: bytes */5\r\n"));
        ck_assert_ptr_nonnull(strstr(buf, "Connection: close\r\n"));
        ck_assert_ptr_null(strstr(buf, "Server:"));           /* NULL server: header off */

        r = (HttpResponse) { .status = 405, .server = "", .allow = true, .keep_alive = true, .http10 = true,
                             .date = "Sun, 06 Nov 1994 08:49:37 GMT" };
        n = http_response_head(&r, buf, sizeof(buf));
        buf[n] = 0;
        ck_assert_ptr_nonnull(strstr(buf, "Allow: GET, HEAD\r\n"));
        ck_assert_ptr_nonnull(strstr(buf, "Connection: keep-alive\r\n"));
        ck_assert_ptr_nonnull(strstr(buf, "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
        ck_assert_ptr_null(strstr(buf, "Server:"));

        r = (HttpResponse) { .status = 301, .location = "/dir/", .keep_alive = true };
        n = http_response_head(&r, buf, sizeof(buf));
        buf[n] = 0;
        ck_assert_ptr_nonnull(strstr(buf, "Location: /dir/\r\n"));
        ck_assert_ptr_null(strstr(buf, "Connection:"));
        ck_assert(n > 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
}
END_TEST

START_TEST(test_head_bounded) {
        char buf[HTTP_RESPONSE_HEAD_MAX];
        HttpResponse r = { .status = 200, .server = "netlabd", .keep_alive = true };
        int full = http_response_head(&r, buf, sizeof(buf));

        ck_assert_int_gt(full, 0);
        for (size_t size = 0; size <= (size_t) full; size++)
                ck_assert_int_eq(http_response_head(&r, buf, size), -ENOBUFS);
        ck_assert_int_eq(http_response_head(&r, buf, (size_t) full + 1), full);
}
END_TEST

START_TEST(test_reasons_and_pages) {
        static const unsigned codes[] = { 200, 206, 301, 304, 400, 403, 404, 405, 408, 413,
                                          414, 416, 431, 500, 501, 503, 505 };
        char page[512], small[16];

        for (size_t i = 0; i < ELEMENTSOF(codes); i++) {
                size_t n = http_response_error_page(codes[i], NULL, page, sizeof(page));

                ck_assert_str_ne(http_response_reason(codes[i]), "Unknown");
                ck_assert_int_eq(n, strlen(page));
                ck_assert_ptr_nonnull(strstr(page, http_response_reason(codes[i])));
                ck_assert_ptr_null(strstr(page, "<p>"));
        }
        ck_assert_str_eq(http_response_reason(299), "Unknown");
        ck_assert_int_eq(http_response_error_page(404, NULL, small, sizeof(small)), sizeof(small) - 1);
        ck_assert_int_eq(strlen(small), sizeof(small) - 1);

        /* With a reason: one line that says it, after the heading. */
        (void) http_response_error_page(400, "HTTP/1.1 request without a Host header (RFC 9112 section 3.2)",
                                        page, sizeof(page));
        ck_assert_str_eq(page,
                         "<!DOCTYPE html>\n<html><head><title>400 Bad Request</title></head>\n"
                         "<body><h1>400 Bad Request</h1>\n<p>400 Bad Request: HTTP/1.1 request without a "
                         "Host header (RFC 9112 section 3.2)</p></body></html>\n");
        ck_assert_int_eq(http_response_error_page(400, "why", small, sizeof(small)), sizeof(small) - 1);
        ck_assert_int_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

static Suite *http_response_suite(void) {
        Suite *s = suite_create("http_response");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_date_format);
        tcase_add_loop_test(tc, test_date_parse, 0, ELEMENTSOF(dates));
        tcase_add_test(tc, test_head_full);
        tcase_add_test(tc, test_head_variants);
        tcase_add_test(tc, test_head_bounded);
        tcase_add_test(tc, test_reasons_and_pages);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_response_suite)
