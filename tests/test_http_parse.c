/* test_http_parse.c — table tests for the request head parser: every status the parser
 * can cause (400, 414, 431, 501, 505), smuggling shapes, limits at limit and limit+1,
 * incremental feeding byte by byte, and pipelined heads. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "macro.h"
#include "tests.h"

#define ALL 1                           /* whole input consumed */

static const HttpParseLimits limits = {
        .max_request_line = 100,
        .max_head = 512,
        .max_headers = 8,
};

static const struct {
        const char *raw;
        int expect;                     /* ALL, a byte count, or the -errno */
        HttpMethod method;
        int keep_alive;                 /* -1: don't check */
} cases[] = {
        /* valid */
        { "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "HEAD /x HTTP/1.0\r\n\r\n", ALL, HTTP_METHOD_HEAD, 0 },
        { "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", ALL, HTTP_METHOD_GET, 0 },
        { "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n", ALL, HTTP_METHOD_GET, 0 },
        { "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\nHost: a\n\n", ALL, HTTP_METHOD_GET, 1 },               /* bare LF */
        { "GET / HTTP/1.1\r\nHost: a\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },      /* leading CRLF */
        { "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET /a?b=c HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET /%2e%2e/x HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },   /* decoded later */
        { "GET http://a/x HTTP/1.1\r\nHost: b\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET http://a:8080 HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET HTTP://a/x HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET http://a/x HTTP/1.1\r\n\r\n", -EBADMSG, 0, -1 },                     /* Host still required */
        { "GET / HTTP/1.1\r\nHost:\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },             /* empty Host is legal */
        { "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: \t v \t\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: \xc3\xa9\r\n\r\n", ALL, HTTP_METHOD_GET, 1 }, /* obs-text */
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 46, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n", 27, HTTP_METHOD_GET, 1 },
        { "POST / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_POST, 1 },          /* -> 405 */
        { "PUT / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_PUT, 1 },
        { "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_DELETE, 1 },
        { "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_OPTIONS, 1 },
        { "OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_OPTIONS, 1 },
        { "TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_TRACE, 1 },
        { "PATCH / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_PATCH, 1 },
        { "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_CONNECT, 1 },
        { "GET / HTTP/1.1\r\nhOsT: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nIf-None-Match: \"x\"\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET /~user/a!$&'()*+,;=:@b HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },

        /* incomplete */
        { "", -EAGAIN, 0, -1 },
        { "G", -EAGAIN, 0, -1 },
        { "GET / HTTP/1.1", -EAGAIN, 0, -1 },
        { "GET / HTTP/1.1\r", -EAGAIN, 0, -1 },
        { "GET / HTTP/1.1\r\n", -EAGAIN, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n", -EAGAIN, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n\r", -EAGAIN, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a", -EAGAIN, 0, -1 },
        { "\r\n", -EAGAIN, 0, -1 },
        { "\r", -EAGAIN, 0, -1 },

        /* 400: request line */
        { "GET /\x01 HTTP/1.1\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },                 /* two SP */
        { "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { " GET / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\rHost: a\r\n\r\n", -EBADMSG, 0, -1 },                    /* bare CR */
        { "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / http/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.x\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET /\r\n\r\n", -EBADMSG, 0, -1 },                                       /* HTTP/0.9 */
        { "GET\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET a HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },                   /* not a path */
        { "GET * HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET http://a@b/x HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },        /* userinfo */
        { "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },  /* raw UTF-8 */
        { "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", -EBADMSG, 0, -1 },          /* TLS hello */
        { "\r\r\nGET / HTTP/1.1\r\n\r\n", -EBADMSG, 0, -1 },

        /* 400: header fields */
        { "GET / HTTP/1.1\r\n\r\n", -EBADMSG, 0, -1 },                              /* no Host */
        { "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", -EBADMSG, 0, -1 },         /* space before colon */
        { "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", -EBADMSG, 0, -1 },    /* obs-fold */
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\n Host: a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", -EBADMSG, 0, -1 },       /* bare CR */
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00" "c\r\n\r\n", -EBADMSG, 0, -1 },    /* NUL */
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: \x01\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX-A: \x7f\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", -EBADMSG, 0, -1 },             /* empty name */
        { "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 0, -1 },
        /* chunked twice, or not last over several lines (RFC 9112 §6.1) */
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", -EBADMSG, 0, -1 },
        /* Host that is not uri-host [":" port] (RFC 9110 §7.2) */
        { "GET / HTTP/1.1\r\nHost: a:xyz\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a:80:80\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: []\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a]\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET http://a:b/ HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, 0, -1 },

        /* 501 */
        { "FOO / HTTP/1.1\r\nHost: a\r\n\r\n", -EOPNOTSUPP, 0, -1 },
        { "get / HTTP/1.1\r\nHost: a\r\n\r\n", -EOPNOTSUPP, 0, -1 },               /* case-sensitive */
        { "Get / HTTP/1.1\r\nHost: a\r\n\r\n", -EOPNOTSUPP, 0, -1 },
        { "PROPFIND / HTTP/1.1\r\n", -EOPNOTSUPP, 0, -1 },                          /* early */
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", ALL, HTTP_METHOD_POST, 1 },
        { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", ALL, HTTP_METHOD_POST, 1 },
        /* RFC 9110 §2.5: HTTP/1.2..1.9 are read as 1.1 (keep-alive by default, Host required) */
        { "GET / HTTP/1.2\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.9\r\nHost: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        /* two Range fields: both ignored later, not a 400 */
        { "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        /* Host = uri-host [":" port] */
        { "GET / HTTP/1.1\r\nHost: a.b-c_d~e:8080\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: 127.0.0.1:\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: [v1.x]\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost: a%41\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
        { "GET / HTTP/1.1\r\nHost:\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },      /* empty is valid */
        { "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },

        /* 505 */
        { "GET / HTTP/2.0\r\n\r\n", -EPROTONOSUPPORT, 0, -1 },
        { "GET / HTTP/9.9\r\nHost: a\r\n\r\n", -EPROTONOSUPPORT, 0, -1 },
        { "GET / HTTP/0.9\r\n\r\n", -EPROTONOSUPPORT, 0, -1 },
        { "GET / HTTP/3\r\n\r\n", -EPROTONOSUPPORT, 0, -1 },
        { "GET / HTTP/1.10\r\n\r\n", -EBADMSG, 0, -1 },                           /* DIGIT "." DIGIT */
        { "GET / HTTP/01.1\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/1.x\r\n\r\n", -EBADMSG, 0, -1 },
        { "GET / HTTP/2.0\r\n", -EPROTONOSUPPORT, 0, -1 },                          /* early */

        /* 414 / 431 at the limits */
        { "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n", -ENAMETOOLONG, 0, -1 },
        { "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -ENAMETOOLONG, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n1: a\r\n2: a\r\n3: a\r\n4: a\r\n5: a\r\n6: a\r\n7: a\r\n8: a\r\n\r\n", -EMSGSIZE, 0, -1 },
        { "GET / HTTP/1.1\r\nHost: a\r\n1: a\r\n2: a\r\n3: a\r\n4: a\r\n5: a\r\n6: a\r\n\r\n", ALL, HTTP_METHOD_GET, 1 },
};

START_TEST(test_parse_table) {
        HttpRequest req = {};
        const char *raw = cases[_i].raw;
        size_t len = strlen(raw);
        int r;

        /* The NUL case is the only one with an embedded NUL: measure it by its tail. */
        if (strstr(raw, "X-A: b") && raw[strlen(raw) - 1] == 'b' && len < 40)
                len = strlen(raw) + 1 + strlen(raw + strlen(raw) + 1);
        if (raw[0] == '\x16')
                len = 11;

        r = http_parse_request(raw, len, 0, &limits, &req, NULL);
        if (cases[_i].expect == ALL)
                ck_assert_msg(r == (int) len, "case %d '%s': got %d, want %zu", _i, raw, r, len);
        else
                ck_assert_msg(r == cases[_i].expect, "case %d '%s': got %d, want %d", _i, raw, r,
                              cases[_i].expect);
        if (r > 0) {
                ck_assert_int_eq(req.method, cases[_i].method);
                if (cases[_i].keep_alive >= 0)
                        ck_assert_int_eq(req.keep_alive, cases[_i].keep_alive);
        }
}
END_TEST

/* RFC 9112 §9.6: "close" in any Connection field wins, in whatever order, over
 * "keep-alive" in any other; otherwise the version default, and 1.0 needs keep-alive. */
static const struct {
        const char *version;
        const char *fields;             /* Connection fields, CRLF-separated lines */
        bool keep_alive;
} connections[] = {
        { "1.1", "", true },
        { "1.0", "", false },
        { "1.1", "Connection: close\r\n", false },
        { "1.1", "Connection: keep-alive\r\n", true },
        { "1.0", "Connection: keep-alive\r\n", true },
        { "1.0", "Connection: close\r\n", false },
        { "1.1", "Connection: close\r\nConnection: keep-alive\r\n", false },
        { "1.1", "Connection: keep-alive\r\nConnection: close\r\n", false },
        { "1.0", "Connection: close\r\nConnection: keep-alive\r\n", false },
        { "1.0", "Connection: keep-alive\r\nConnection: close\r\n", false },
        { "1.1", "Connection: keep-alive, close\r\n", false },
        { "1.1", "Connection: close, keep-alive\r\n", false },
        { "1.0", "Connection: Keep-Alive, CLOSE\r\n", false },
        { "1.1", "Connection: close\r\nX: y\r\nConnection: keep-alive\r\n", false },
        { "1.1", "Connection: keep-alive\r\nConnection: keep-alive\r\n", true },
        { "1.0", "Connection: upgrade\r\nConnection: keep-alive\r\n", true },
        { "1.1", "Connection: upgrade\r\n", true },
        { "1.0", "Connection: upgrade\r\n", false },
        { "1.1", "Connection: closed\r\n", true },     /* a token, not a substring */
};

START_TEST(test_connection_table) {
        char raw[256];
        HttpRequest req;
        int n;

        n = snprintf(raw, sizeof(raw), "GET / HTTP/%s\r\nHost: a\r\n%s\r\n", connections[_i].version,
                     connections[_i].fields);
        ck_assert_int_eq(http_parse_request(raw, (size_t) n, 0, &limits, &req, NULL), n);
        ck_assert_msg(req.keep_alive == connections[_i].keep_alive, "case %d: %s", _i, raw);
}
END_TEST

/* Each error case has its own reason, of the status its errno maps to. */
static const struct {
        const char *raw;
        int expect;
        HttpReason reason;
} reasons[] = {
        { "GET / HTTP/1.1\r\n\r\n", -EBADMSG, HTTP_REASON_NO_HOST },
        { "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG, HTTP_REASON_DUPLICATE_HOST },
        { "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -EBADMSG, HTTP_REASON_BAD_HOST },
        { "GET x HTTP/1.1\r\nHost: a\r\n\r\n", -EBADMSG, HTTP_REASON_REQUEST_LINE },
        { "GET  / HTTP/1.1\r\n", -EBADMSG, HTTP_REASON_REQUEST_LINE },
        { "GET / HTTP/1.10\r\n", -EBADMSG, HTTP_REASON_VERSION },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -EBADMSG, HTTP_REASON_BARE_CR },
        { "GET / HTTP/1.1\r\nHost: a\r\n\rX", -EBADMSG, HTTP_REASON_BARE_CR },
        { "GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n", -EBADMSG, HTTP_REASON_HEADER_SYNTAX },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", -EBADMSG, HTTP_REASON_OBS_FOLD },
        { "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -EBADMSG, HTTP_REASON_SPACE_BEFORE_COLON },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", -EBADMSG, HTTP_REASON_HEADER_VALUE },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", -EBADMSG, HTTP_REASON_CONTENT_LENGTH },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -EBADMSG,
          HTTP_REASON_CONTENT_LENGTH },
        { "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG,
          HTTP_REASON_CL_AND_TE },
        { "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", -EBADMSG, HTTP_REASON_TRANSFER_ENCODING },
        { "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG, HTTP_REASON_TRANSFER_ENCODING },
        { "FOO / HTTP/1.1\r\n", -EOPNOTSUPP, HTTP_REASON_METHOD_UNKNOWN },
        { "GET / HTTP/2.0\r\n", -EPROTONOSUPPORT, HTTP_REASON_VERSION_UNSUPPORTED },
        { "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          -ENAMETOOLONG, HTTP_REASON_URI_TOO_LONG },
        { "GET / HTTP/1.1\r\nHost: a\r\n1: a\r\n2: a\r\n3: a\r\n4: a\r\n5: a\r\n6: a\r\n7: a\r\n8: a\r\n\r\n",
          -EMSGSIZE, HTTP_REASON_TOO_MANY_HEADERS },
};

START_TEST(test_reason_table) {
        const char *raw = reasons[_i].raw;
        HttpReason why = HTTP_REASON_NONE;
        HttpRequest req;

        ck_assert_msg(http_parse_request(raw, strlen(raw), 0, &limits, &req, &why) == reasons[_i].expect,
                      "case %d", _i);
        ck_assert_msg(why == reasons[_i].reason, "case %d: reason %d, want %d", _i, why, reasons[_i].reason);
        ck_assert_uint_eq(http_reason_status(why), http_parse_errno_to_status(reasons[_i].expect));

        /* Success and "need more" leave it alone. */
        why = HTTP_REASON_NONE;
        ck_assert_int_eq(http_parse_request("GET / HTTP/1.1\r\n", 16, 0, &limits, &req, &why), -EAGAIN);
        ck_assert_int_eq(why, HTTP_REASON_NONE);
}
END_TEST

/* A head over max_head (whole) is HEAD_TOO_LARGE, not TOO_MANY_HEADERS. */
START_TEST(test_reason_head_too_large) {
        char raw[700];
        HttpReason why = HTTP_REASON_NONE;
        HttpRequest req;
        int n = snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: a\r\nX: %0600d\r\n\r\n", 0);

        ck_assert_int_eq(http_parse_request(raw, (size_t) n, 0, &limits, &req, &why), -EMSGSIZE);
        ck_assert_int_eq(why, HTTP_REASON_HEAD_TOO_LARGE);
}
END_TEST

/* Every prefix of a valid head is "need more", and the full head parses, whichever
 * prev_len the caller passes. */
START_TEST(test_parse_incremental) {
        const char *raw = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: t\r\n"
                          "If-None-Match: \"abc\"\r\nRange: bytes=1-2\r\n\r\n";
        size_t len = strlen(raw), prev = 0;
        HttpRequest req = {};

        for (size_t i = 0; i < len; i++) {
                ck_assert_int_eq(http_parse_request(raw, i, prev, &limits, &req, NULL), -EAGAIN);
                prev = i;
        }
        ck_assert_int_eq(http_parse_request(raw, len, prev, &limits, &req, NULL), (int) len);
        ck_assert_int_eq(req.path.len, strlen("/index.html"));
        ck_assert(memcmp(req.path.p, "/index.html", req.path.len) == 0);
        ck_assert(req.query.len == 3 && memcmp(req.query.p, "x=1", 3) == 0);
        ck_assert(req.host.len == 11 && memcmp(req.host.p, "example.org", 11) == 0);
        ck_assert(req.if_none_match.len == 5);
        ck_assert(req.range.len == 9);
        ck_assert_int_eq(req.n_headers, 4);
}
END_TEST

/* The fields http_serve and http_conn act on: preconditions, Expect, a doubled Range
 * (kept with length 0, so it is ignored), and HTTP/1.2 read as 1.1. */
START_TEST(test_parse_fields) {
        const char *raw = "GET / HTTP/1.2\r\nHost: a\r\nIf-Match: \"x\"\r\nIf-Unmodified-Since: d\r\n"
                          "Expect: 100-Continue\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n";
        const char *raw10 = "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n";
        HttpRequest req = {};

        ck_assert_int_eq(http_parse_request(raw, strlen(raw), 0, &limits, &req, NULL), (int) strlen(raw));
        ck_assert_uint_eq(req.minor_version, 1);
        ck_assert(req.if_match.len == 3 && memcmp(req.if_match.p, "\"x\"", 3) == 0);
        ck_assert(req.if_unmodified_since.len == 1);
        ck_assert(req.expect_continue);
        ck_assert(req.range.p && req.range.len == 0);

        /* RFC 9110 §10.1.1: Expect in an HTTP/1.0 request is ignored */
        ck_assert_int_eq(http_parse_request(raw10, strlen(raw10), 0, &limits, &req, NULL), (int) strlen(raw10));
        ck_assert(!req.expect_continue);
}
END_TEST

START_TEST(test_parse_absolute_form) {
        const char *raw = "GET http://host:81/p/q?z HTTP/1.1\r\nHost: other\r\n\r\n";
        HttpRequest req = {};

        ck_assert_int_eq(http_parse_request(raw, strlen(raw), 0, &limits, &req, NULL), (int) strlen(raw));
        ck_assert(req.host.len == 7 && memcmp(req.host.p, "host:81", 7) == 0);
        ck_assert(req.path.len == 4 && memcmp(req.path.p, "/p/q", 4) == 0);
        ck_assert(req.query.len == 1 && req.query.p[0] == 'z');
}
END_TEST

/* Request line exactly at the limit parses, one more byte is 414; same for the head. */
START_TEST(test_parse_limits) {
        char buf[1024];
        HttpRequest req = {};
        size_t n;

        /* "GET /" + x*k + " HTTP/1.1" is 14 + k bytes */
        n = (size_t) snprintf(buf, sizeof(buf), "GET /%.*s HTTP/1.1\r\nHost: a\r\n\r\n", 86,
                              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        ck_assert_int_eq(http_parse_request(buf, n, 0, &limits, &req, NULL), (int) n);
        n = (size_t) snprintf(buf, sizeof(buf), "GET /%.*s HTTP/1.1\r\nHost: a\r\n\r\n", 87,
                              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        ck_assert_int_eq(http_parse_request(buf, n, 0, &limits, &req, NULL), -ENAMETOOLONG);

        /* head of exactly max_head bytes, then one more */
        for (size_t want = limits.max_head; want <= limits.max_head + 1; want++) {
                size_t fill;

                n = (size_t) snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
                fill = want - n - 4;
                memset(buf + n, 'v', fill);
                memcpy(buf + n + fill, "\r\n\r\n", 4);
                n += fill + 4;
                ck_assert_int_eq(n, want);
                ck_assert_int_eq(http_parse_request(buf, n, 0, &limits, &req, NULL),
                                 want == limits.max_head ? (int) n : -EMSGSIZE);
                /* no blank line yet, and already more than max_head bytes */
                buf[n - 2] = 'v';
                buf[n - 1] = 'v';
                ck_assert_int_eq(http_parse_request(buf, n, 0, &limits, &req, NULL),
                                 want == limits.max_head ? -EAGAIN : -EMSGSIZE);
        }
}
END_TEST

START_TEST(test_parse_pipelined) {
        const char *raw = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n"
                          "GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        size_t off = 0, len = strlen(raw);
        HttpRequest req = {};
        const char *paths[] = { "/1", "/2", "/3" };

        for (size_t i = 0; i < 3; i++) {
                int r = http_parse_request(raw + off, len - off, 0, &limits, &req, NULL);

                ck_assert_int_gt(r, 0);
                ck_assert(req.path.len == 2 && memcmp(req.path.p, paths[i], 2) == 0);
                ck_assert_int_eq(req.keep_alive, i < 2);
                off += (size_t) r;
        }
        ck_assert_int_eq(off, len);
}
END_TEST

START_TEST(test_parse_status_map) {
        ck_assert_int_eq(http_parse_errno_to_status(-EBADMSG), 400);
        ck_assert_int_eq(http_parse_errno_to_status(-EAGAIN), 408);
        ck_assert_int_eq(http_parse_errno_to_status(-ENAMETOOLONG), 414);
        ck_assert_int_eq(http_parse_errno_to_status(-EMSGSIZE), 431);
        ck_assert_int_eq(http_parse_errno_to_status(-EOPNOTSUPP), 501);
        ck_assert_int_eq(http_parse_errno_to_status(-EPROTONOSUPPORT), 505);
        ck_assert_int_eq(http_parse_errno_to_status(-EIO), 400);
        ck_assert_str_eq(http_method_to_string(HTTP_METHOD_HEAD), "HEAD");
        ck_assert_ptr_null(http_method_to_string(_HTTP_METHOD_MAX));
        ck_assert(http_parse_list_has("a, Keep-Alive ,b", 16, "keep-alive"));
        ck_assert(!http_parse_list_has("keep-alivex", 11, "keep-alive"));
}
END_TEST

static Suite *http_parse_suite(void) {
        Suite *s = suite_create("http_parse");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_parse_table, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_parse_incremental);
        tcase_add_test(tc, test_parse_fields);
        tcase_add_test(tc, test_parse_absolute_form);
        tcase_add_test(tc, test_parse_limits);
        tcase_add_test(tc, test_parse_pipelined);
        tcase_add_test(tc, test_parse_status_map);
        tcase_add_loop_test(tc, test_connection_table, 0, ELEMENTSOF(connections));
        tcase_add_loop_test(tc, test_reason_table, 0, ELEMENTSOF(reasons));
        tcase_add_test(tc, test_reason_head_too_large);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_parse_suite)
