/* test_http_route.c — http_route_resolve() without a socket: a request head goes through
 * the real parser, the router answers with an HttpReply value, and the table checks
 * status, body kind, Location, Content-Range, close flag and the dynamic-endpoint choice
 * (301 with query, 403, hidden-file 404, 404.html, 405, 412, 304, 206, 416, autoindex,
 * the metrics/status endpoints and their status_allow check). The document root is a
 * fixture tree in a temporary directory. */

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_route.h"
#include "macro.h"
#include "tests.h"

static char tmpdir[] = "/tmp/netlab-test-route.XXXXXX";
static int root_fd = -EBADF;
static MimeTable *mime;
static Conf *conf;
static char etag[HTTP_SERVE_ETAG_MAX];  /* of hello.txt */
static const uint8_t test_key[HTTP_SERVE_ETAG_KEY_SIZE] = "netlab-test-key";

static char *allow_local[] = { (char *) "127.0.0.0/8", NULL };
static char *allow_none[] = { NULL };

static void write_file(const char *rel, const char *content) {
        char p[PATH_MAX];
        FILE *f;

        (void) snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        fclose(f);
}

static void fixture_setup(void) {
        char p[PATH_MAX];
        struct stat st;

        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
#define P(x) ((void) snprintf(p, sizeof(p), "%s/%s", tmpdir, (x)), p)
        ck_assert_int_eq(mkdir(P("dir"), 0755), 0);
        ck_assert_int_eq(mkdir(P("empty"), 0755), 0);
        ck_assert_int_eq(mkdir(P(".git"), 0755), 0);
        write_file("index.html", "<h1>index</h1>\n");
        write_file("hello.txt", "0123456789");
        write_file("404.html", "<h1>custom 404</h1>\n");
        write_file("dir/index.html", "dir index\n");
        write_file(".hidden", "secret\n");
        write_file(".git/config", "[core]\n");
        write_file("empty/b.txt", "b\n");     /* a directory without an index file */
        ck_assert_int_eq(mkfifo(P("fifo"), 0644), 0);
        ck_assert_int_eq(stat(P("hello.txt"), &st), 0);
#undef P
        http_serve_etag(&st, test_key, etag, sizeof(etag));

        root_fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);
        ck_assert_int_eq(mime_table_new(NULL, 0, &mime), 0);
        ck_assert_int_eq(conf_new_default(&conf), 0);
}

static void fixture_teardown(void) {
        char cmd[PATH_MAX + 16];

        conf = conf_unref(conf);
        mime = mime_table_free(mime);
        root_fd = safe_close(root_fd);
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        (void) system(cmd);
}

/* The dynamic-endpoint provider: records which endpoint it was asked for. */
static int dynamic_calls;
static HttpEndpoint dynamic_last;
static int dynamic_result;

static int fake_dynamic(void *userdata, HttpEndpoint endpoint, const char *query, size_t query_len,
                        char **ret_body, size_t *ret_len, const char **ret_content_type) {
        dynamic_calls++;
        dynamic_last = endpoint;
        if (dynamic_result < 0)
                return dynamic_result;
        /* The provider sees the raw query and may refuse it: 400. */
        if (query && query_len == 5 && memcmp(query, "bad=1", 5) == 0)
                return -EINVAL;
        *ret_body = strdup(endpoint == HTTP_ENDPOINT_METRICS ? "m 1\n" : "{}");
        if (!*ret_body)
                return -ENOMEM;
        *ret_len = strlen(*ret_body);
        *ret_content_type = endpoint == HTTP_ENDPOINT_METRICS ? "text/plain" : "application/json";
        return 0;
}

typedef enum Body {
        BODY_NONE,
        BODY_DATA,                      /* inline: a status page or a cached file */
        BODY_MEM,                       /* owned buffer: dynamic endpoint, autoindex */
        BODY_FD,                        /* sendfile */
} Body;

typedef struct Case {
        const char *raw;                /* request head; "@ETAG@" is replaced by hello.txt's */
        unsigned status;
        Body body;
        const char *contains;           /* in the body (data or mem), or NULL */
        const char *location;           /* expected Location, or NULL for none */
        bool close;
        int dynamic;                    /* -1: not called; else the HttpEndpoint it got */
        char **allow;                   /* status_allow for this case */
        const char *peer;               /* IPv4 or IPv6 literal; default 127.0.0.1 */
        bool no_cache;                  /* route without the small-file cache */
} Case;

#define GET(path) "GET " path " HTTP/1.1\r\nHost: a\r\n"
#define END "\r\n"

static const Case cases[] = {
        /* files, cache or sendfile */
        { GET("/hello.txt") END,                200, BODY_DATA, "0123456789", NULL, false, -1 },
        { GET("/hello.txt") END,                200, BODY_FD,   NULL,         NULL, false, -1, .no_cache = true },
        { "HEAD /hello.txt HTTP/1.1\r\nHost: a\r\n" END, 200, BODY_DATA, NULL, NULL, false, -1 },
        { GET("/") END,                         200, BODY_DATA, "<h1>index</h1>", NULL, false, -1 },
        { GET("/dir/") END,                     200, BODY_DATA, "dir index", NULL, false, -1 },
        /* a directory without the slash: 301 keeps the query */
        { GET("/dir") END,                      301, BODY_DATA, "301",        "/dir/", false, -1 },
        { GET("/dir?a=1&b") END,                301, BODY_DATA, NULL,         "/dir/?a=1&b", false, -1 },
        { GET("/di%20r?x") END,                 404, BODY_FD,   NULL,         NULL, false, -1 },
        /* not found: the root's 404.html by sendfile */
        { GET("/missing") END,                  404, BODY_FD,   NULL,         NULL, false, -1 },
        { GET("/empty/") END,                   404, BODY_FD,   NULL,         NULL, false, -1 },
        /* hidden files are 404 even when they exist, inside hidden directories too */
        { GET("/.hidden") END,                  404, BODY_FD,   NULL,         NULL, false, -1 },
        { GET("/.git/config") END,              404, BODY_FD,   NULL,         NULL, false, -1 },
        { GET("/%2ehidden") END,                404, BODY_FD,   NULL,         NULL, false, -1 },
        /* not a regular file: 403 */
        { GET("/fifo") END,                     403, BODY_DATA, "403",        NULL, false, -1 },
        /* a path that is not a path: 400 and close */
        { GET("/a%00") END,                     400, BODY_DATA, "400",        NULL, true, -1 },
        { GET("/%2e%2e/x") END,                 400, BODY_DATA, NULL,         NULL, true, -1 },
        /* methods other than GET/HEAD */
        { "POST /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n" END, 405, BODY_DATA, "405", NULL,
          false, -1 },
        { "OPTIONS * HTTP/1.1\r\nHost: a\r\n" END, 405, BODY_DATA, NULL, NULL, false, -1 },
        /* conditional requests (RFC 9110 §13.2.2 order) */
        { GET("/hello.txt") "If-Match: \"nope\"\r\n" END, 412, BODY_DATA, "412", NULL, false, -1 },
        { GET("/hello.txt") "If-Match: @ETAG@\r\n" END, 200, BODY_DATA, "0123456789", NULL, false, -1 },
        { GET("/hello.txt") "If-None-Match: @ETAG@\r\n" END, 304, BODY_NONE, NULL, NULL, false, -1 },
        { GET("/hello.txt") "If-None-Match: @ETAG@\r\n" END, 304, BODY_NONE, NULL, NULL, false, -1,
          .no_cache = true },
        { GET("/hello.txt") "If-None-Match: \"other\"\r\n" END, 200, BODY_DATA, NULL, NULL, false, -1 },
        { GET("/hello.txt") "If-Match: \"nope\"\r\nIf-None-Match: @ETAG@\r\n" END, 412, BODY_DATA, NULL,
          NULL, false, -1 },
        /* ranges */
        { GET("/hello.txt") "Range: bytes=2-4\r\n" END, 206, BODY_DATA, "234", NULL, false, -1 },
        { GET("/hello.txt") "Range: bytes=-3\r\n" END,  206, BODY_DATA, "789", NULL, false, -1 },
        { GET("/hello.txt") "Range: bytes=2-4\r\n" END, 206, BODY_FD,   NULL,  NULL, false, -1, .no_cache = true },
        { GET("/hello.txt") "Range: bytes=10-\r\n" END, 416, BODY_DATA, "416", NULL, false, -1 },
        { GET("/hello.txt") "Range: bytes=2-4\r\nIf-Range: \"old\"\r\n" END, 200, BODY_DATA, "0123456789",
          NULL, false, -1 },
        /* dynamic endpoints: chosen once, as an enum */
        { GET("/metrics") END,                  200, BODY_MEM,  "m 1",        NULL, false, HTTP_ENDPOINT_METRICS },
        { GET("/api/status") END,               200, BODY_MEM,  "{}",         NULL, false, HTTP_ENDPOINT_STATUS },
        { GET("/api/status?x=1") END,           200, BODY_MEM,  "{}",         NULL, false, HTTP_ENDPOINT_STATUS },
        { GET("/metrics/") END,                 404, BODY_FD,   NULL,         NULL, false, -1 },
        { GET("/api/flows") END,                200, BODY_MEM,  "{}",         NULL, false, HTTP_ENDPOINT_FLOWS },
        { GET("/api/flows?peer=127.0.0.1%3A9") END, 200, BODY_MEM, "{}",      NULL, false, HTTP_ENDPOINT_FLOWS },
        { GET("/api/flows?bad=1") END,          400, BODY_DATA, "400",        NULL, true, HTTP_ENDPOINT_FLOWS },
        { GET("/api/flows") END, 403, BODY_DATA, NULL, NULL, false, -1, allow_local, "10.0.0.1" },
        { GET("/%6detrics") END,                200, BODY_MEM,  "m 1",        NULL, false, HTTP_ENDPOINT_METRICS },
        /* the ACL: status_allow decides before the provider runs */
        { GET("/metrics") END, 200, BODY_MEM,  NULL, NULL, false, HTTP_ENDPOINT_METRICS, allow_local, "127.0.0.2" },
        { GET("/metrics") END, 403, BODY_DATA, "403", NULL, false, -1, allow_local, "10.0.0.1" },
        { GET("/api/status") END, 403, BODY_DATA, NULL, NULL, false, -1, allow_local, "::1" },
        { GET("/api/status") END, 200, BODY_MEM, NULL, NULL, false, HTTP_ENDPOINT_STATUS, allow_local,
          "::ffff:127.0.0.1" },
        { GET("/metrics") END, 403, BODY_DATA, NULL, NULL, false, -1, allow_none, "127.0.0.1" },
        /* a refused peer asking for a file sees the file, not 403 */
        { GET("/hello.txt") END, 200, BODY_DATA, NULL, NULL, false, -1, allow_none, "10.0.0.1" },
};

static struct sockaddr_storage make_peer(const char *s) {
        struct sockaddr_storage ss = {};
        struct sockaddr_in *in = (struct sockaddr_in *) &ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

        if (inet_pton(AF_INET, s, &in->sin_addr) == 1)
                in->sin_family = AF_INET;
        else {
                ck_assert_int_eq(inet_pton(AF_INET6, s, &in6->sin6_addr), 1);
                in6->sin6_family = AF_INET6;
        }
        return ss;
}

/* Replaces "@ETAG@" in @raw with the fixture's ETag. */
static void expand(const char *raw, char *buf, size_t size) {
        const char *m = strstr(raw, "@ETAG@");

        if (!m)
                (void) snprintf(buf, size, "%s", raw);
        else
                (void) snprintf(buf, size, "%.*s%s%s", (int) (m - raw), raw, etag, m + 6);
}

static void check_case(const Case *t, HttpCache *cache) {
        static const HttpParseLimits limits = { .max_request_line = 8192, .max_head = 16384, .max_headers = 64 };
        struct sockaddr_storage peer = make_peer(t->peer ?: "127.0.0.1");
        char raw[1024];
        HttpRequest req;
        HttpReply reply;
        unsigned status;

        expand(t->raw, raw, sizeof(raw));
        ck_assert_int_eq(http_parse_request(raw, strlen(raw), 0, &limits, &req, NULL), (int) strlen(raw));

        conf->http.status_allow = t->allow;
        HttpRouteCtx ctx = {
                .conf = conf,
                .root_fd = root_fd,
                .mime = mime,
                .cache = t->no_cache ? NULL : cache,
                .etag_key = test_key,
                .now_usec = 1000 * USEC_PER_SEC,
                .peer = (struct sockaddr *) &peer,
                .dynamic = fake_dynamic,
        };
        dynamic_calls = 0;
        dynamic_last = _HTTP_ENDPOINT_INVALID;
        dynamic_result = 0;

        status = http_route_resolve(&ctx, &req, &reply);
        conf->http.status_allow = NULL;

        ck_assert_msg(status == t->status && reply.head.status == t->status, "'%s': status %u", t->raw, status);
        ck_assert_int_eq(reply.close, t->close);
        if (t->dynamic < 0)
                ck_assert_int_eq(dynamic_calls, 0);
        else {
                ck_assert_int_eq(dynamic_calls, 1);
                ck_assert_int_eq(dynamic_last, t->dynamic);
        }

        switch (t->body) {
        case BODY_NONE:
                ck_assert(reply.data_len == 0 && !reply.mem && reply.fd < 0);
                ck_assert(!reply.head.has_body_length);
                break;
        case BODY_DATA:
                ck_assert_msg(reply.data && reply.data_len > 0 && !reply.mem && reply.fd < 0, "'%s'", t->raw);
                ck_assert_uint_eq(reply.head.content_length, reply.data_len);
                break;
        case BODY_MEM:
                ck_assert(reply.mem && reply.data_len == 0 && reply.fd < 0);
                ck_assert_uint_eq(reply.head.content_length, reply.mem_len);
                break;
        case BODY_FD:
                ck_assert_msg(reply.fd >= 0 && reply.data_len == 0 && !reply.mem, "'%s'", t->raw);
                ck_assert_uint_eq(reply.head.content_length, reply.file_len);
                break;
        }
        if (t->contains) {
                const char *p = reply.mem ?: reply.data;
                size_t l = reply.mem ? reply.mem_len : reply.data_len;

                ck_assert_msg(memmem(p, l, t->contains, strlen(t->contains)), "'%s': body '%.*s'", t->raw,
                              (int) l, p);
        }
        if (t->location)
                ck_assert_str_eq(reply.head.location, t->location);
        else
                ck_assert_ptr_null(reply.head.location);

        http_reply_done(&reply);
        ck_assert(!reply.mem && reply.fd < 0);
}

START_TEST(test_route_table) {
        _cleanup_(http_cache_freep) HttpCache *cache = NULL;

        ck_assert_int_eq(http_cache_new(test_key, &cache), 0);
        check_case(&cases[_i], cache);
        /* The same again: now from the cache where it applies; same answer. */
        check_case(&cases[_i], cache);
}
END_TEST

/* Heads that depend on the file: 206's Content-Range, 416's "bytes * /size", the ETag
 * and Last-Modified of a file served by fd (copied into the reply, which outlives the
 * router's stack frame). */
START_TEST(test_route_heads) {
        static const HttpParseLimits limits = { .max_request_line = 8192, .max_head = 16384, .max_headers = 64 };
        HttpRouteCtx ctx = { .conf = conf, .root_fd = root_fd, .mime = mime, .etag_key = test_key };
        const char *r206 = GET("/hello.txt") "Range: bytes=2-4\r\n" END;
        const char *r416 = GET("/hello.txt") "Range: bytes=10-\r\n" END;
        HttpRequest req;
        HttpReply reply;

        ck_assert_int_gt(http_parse_request(r206, strlen(r206), 0, &limits, &req, NULL), 0);
        ck_assert_uint_eq(http_route_resolve(&ctx, &req, &reply), 206);
        ck_assert(reply.head.content_range);
        ck_assert_uint_eq(reply.head.range_first, 2);
        ck_assert_uint_eq(reply.head.range_last, 4);
        ck_assert_uint_eq(reply.head.range_total, 10);
        ck_assert_uint_eq(reply.file_off, 2);
        ck_assert_uint_eq(reply.file_len, 3);
        ck_assert_str_eq(reply.head.etag, etag);
        ck_assert_ptr_eq(reply.head.etag, reply.etag);
        ck_assert_str_eq(reply.head.content_type, "text/plain; charset=utf-8");
        ck_assert(reply.head.accept_ranges && reply.head.last_modified_usec > 0);
        http_reply_done(&reply);

        ck_assert_int_gt(http_parse_request(r416, strlen(r416), 0, &limits, &req, NULL), 0);
        ck_assert_uint_eq(http_route_resolve(&ctx, &req, &reply), 416);
        ck_assert(reply.head.range_unsatisfied);
        ck_assert_uint_eq(reply.head.range_total, 10);
        ck_assert_str_eq(reply.head.content_type, "text/html; charset=utf-8");
        http_reply_done(&reply);
}
END_TEST

/* Without a provider the configured paths are plain files; a failing provider is 503. */
START_TEST(test_route_dynamic_edges) {
        static const HttpParseLimits limits = { .max_request_line = 8192, .max_head = 16384, .max_headers = 64 };
        const char *raw = GET("/metrics") END;
        HttpRouteCtx ctx = { .conf = conf, .root_fd = root_fd, .mime = mime, .etag_key = test_key };
        HttpRequest req;
        HttpReply reply;

        ck_assert_int_gt(http_parse_request(raw, strlen(raw), 0, &limits, &req, NULL), 0);
        ck_assert_uint_eq(http_route_resolve(&ctx, &req, &reply), 404);
        http_reply_done(&reply);

        ctx.dynamic = fake_dynamic;
        dynamic_result = -ENOMEM;
        ck_assert_uint_eq(http_route_resolve(&ctx, &req, &reply), 503);
        ck_assert(reply.oom);
        ck_assert(reply.close);         /* out of memory: 503, then close */
        ck_assert_int_eq(reply.reason, HTTP_REASON_OUT_OF_MEMORY);
        http_reply_done(&reply);
        dynamic_result = 0;
}
END_TEST

/* The one place status pages come from: which close the connection (out of memory too:
 * no 503 loop on the same unreadable head), 405's Allow, 404's custom page, and a 404
 * when the root has no 404.html. */
static const struct {
        HttpReason reason;
        unsigned status;
        bool close;
        bool allow;
} statuses[] = {
        { HTTP_REASON_NO_HOST, 400, true, false },
        { HTTP_REASON_FORBIDDEN, 403, false, false },
        { HTTP_REASON_METHOD_NOT_ALLOWED, 405, false, true },
        { HTTP_REASON_HEADER_TIMEOUT, 408, true, false },
        { HTTP_REASON_PRECONDITION, 412, false, false },
        { HTTP_REASON_BODY_TOO_LARGE, 413, true, false },
        { HTTP_REASON_URI_TOO_LONG, 414, true, false },
        { HTTP_REASON_RANGE, 416, false, false },
        { HTTP_REASON_TOO_MANY_HEADERS, 431, true, false },
        { HTTP_REASON_INTERNAL, 500, true, false },
        { HTTP_REASON_METHOD_UNKNOWN, 501, true, false },
        { HTTP_REASON_OUT_OF_MEMORY, 503, true, false },
        { HTTP_REASON_OUT_OF_FDS, 503, false, false },
        { HTTP_REASON_PER_SOURCE, 503, false, false },
        { HTTP_REASON_VERSION_UNSUPPORTED, 505, true, false },
};

START_TEST(test_route_status_pages) {
        HttpRouteCtx ctx = { .conf = conf, .root_fd = root_fd, .mime = mime, .etag_key = test_key };
        HttpReply reply;
        char line[256];

        ck_assert_uint_eq(http_route_status(&ctx, statuses[_i].reason, &reply), statuses[_i].status);
        ck_assert_int_eq(reply.close, statuses[_i].close);
        ck_assert_int_eq(reply.head.allow, statuses[_i].allow);
        ck_assert_int_eq(reply.reason, statuses[_i].reason);
        ck_assert(reply.data && reply.data_len > 0 && reply.fd < 0);
        /* The page says why in one line: "<code> <phrase>: <reason>". */
        (void) snprintf(line, sizeof(line), "<p>%u %s: %s</p>", statuses[_i].status,
                        http_response_reason(statuses[_i].status), http_reason_message(statuses[_i].reason));
        ck_assert_msg(memmem(reply.data, reply.data_len, line, strlen(line)), "%.*s", (int) reply.data_len,
                      reply.data);
        http_reply_done(&reply);
}
END_TEST

/* Every reason of the table: an error status, a label fit for Prometheus, a message
 * that needs no HTML escaping, and a complete page within HTTP_REPLY_PAGE_MAX. */
START_TEST(test_route_every_reason) {
        HttpRouteCtx ctx = { .conf = conf, .root_fd = -EBADF, .mime = mime, .etag_key = test_key };
        HttpReply reply;

        ck_assert_uint_eq(http_reason_status(HTTP_REASON_NONE), 0);
        ck_assert_ptr_null(http_reason_message(HTTP_REASON_NONE));
        for (HttpReason r = 1; r < _HTTP_REASON_MAX; r++) {
                const char *label = http_reason_label(r), *msg = http_reason_message(r);
                unsigned status = http_reason_status(r);

                ck_assert_msg(status >= 400 && status <= 599, "reason %d", r);
                ck_assert_ptr_nonnull(label);
                ck_assert_uint_eq(strspn(label, "abcdefghijklmnopqrstuvwxyz_"), strlen(label));
                ck_assert_ptr_nonnull(msg);
                ck_assert_ptr_null(strpbrk(msg, "<>&\r\n"));
                for (HttpReason q = 1; q < r; q++)
                        ck_assert_str_ne(label, http_reason_label(q));
                ck_assert_uint_eq(http_route_status(&ctx, r, &reply), status);
                ck_assert(reply.data_len < HTTP_REPLY_PAGE_MAX - 1);
                ck_assert(memmem(reply.data, reply.data_len, "</html>\n", 8));
                ck_assert(memmem(reply.data, reply.data_len, msg, strlen(msg)));
                http_reply_done(&reply);
        }
        /* The errno fallbacks land on reasons of the same status as the parser's map. */
        const int errnos[] = { -EBADMSG, -ENAMETOOLONG, -EMSGSIZE, -EOPNOTSUPP, -EPROTONOSUPPORT, -EAGAIN, -EIO };
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
                ck_assert_uint_eq(http_reason_status(http_reason_from_errno(errnos[i])),
                                  http_parse_errno_to_status(errnos[i]));
}
END_TEST

START_TEST(test_route_404_page) {
        HttpRouteCtx ctx = { .conf = conf, .root_fd = root_fd, .mime = mime, .etag_key = test_key };
        HttpReply reply;
        char buf[64] = {};

        ck_assert_uint_eq(http_route_status(&ctx, HTTP_REASON_NOT_FOUND, &reply), 404);
        ck_assert_int_ge(reply.fd, 0);
        ck_assert_int_eq(pread(reply.fd, buf, sizeof(buf) - 1, 0), (ssize_t) reply.file_len);
        ck_assert_str_eq(buf, "<h1>custom 404</h1>\n");
        ck_assert_str_eq(reply.head.content_type, "text/html; charset=utf-8");
        http_reply_done(&reply);

        ctx.root_fd = -EBADF;           /* no root: the inline page */
        ck_assert_uint_eq(http_route_status(&ctx, HTTP_REASON_NOT_FOUND, &reply), 404);
        ck_assert(reply.fd < 0 && reply.data_len > 0);
        http_reply_done(&reply);
}
END_TEST

static Suite *http_route_suite(void) {
        Suite *s = suite_create("http_route");
        TCase *tc = tcase_create("route");

        tcase_add_unchecked_fixture(tc, fixture_setup, fixture_teardown);
        tcase_add_loop_test(tc, test_route_table, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_route_heads);
        tcase_add_test(tc, test_route_dynamic_edges);
        tcase_add_loop_test(tc, test_route_status_pages, 0, ELEMENTSOF(statuses));
        tcase_add_test(tc, test_route_404_page);
        tcase_add_test(tc, test_route_every_reason);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_route_suite)
