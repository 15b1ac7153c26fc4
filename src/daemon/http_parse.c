/* http_parse.c — PURE: turns the bytes of one HTTP/1.x request head into an HttpRequest
 * of pointers into the caller's buffer. First step of the HTTP data path
 * (http_conn_on_io -> read -> http_parse_request -> http_route_resolve -> http_response_head).
 * Strict by design (RFC 9112): anything a front-end proxy could read differently from us
 * (smuggling) is a 400 and the connection closes. */

#include <assert.h>
#include <string.h>

#include "comma_list.h"
#include "http_char.h"
#include "http_parse.h"
#include "http_reason.h"
#include "macro.h"
#include "parse_util.h"

static const char *const method_names[_HTTP_METHOD_MAX] = {
        [HTTP_METHOD_GET] = "GET",         [HTTP_METHOD_HEAD] = "HEAD",
        [HTTP_METHOD_OPTIONS] = "OPTIONS", [HTTP_METHOD_POST] = "POST",
        [HTTP_METHOD_PUT] = "PUT",         [HTTP_METHOD_DELETE] = "DELETE",
        [HTTP_METHOD_PATCH] = "PATCH",     [HTTP_METHOD_CONNECT] = "CONNECT",
        [HTTP_METHOD_TRACE] = "TRACE",
};

const char *http_method_to_string(HttpMethod m) {
        if (m < 0 || m >= _HTTP_METHOD_MAX)
                return NULL;
        return method_names[m];
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_xdigit(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

bool http_parse_token_eq(const char *p, size_t len, const char *lower_s) {
        size_t n = strlen(lower_s);

        if (len != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (lower(p[i]) != lower_s[i])
                        return false;
        return true;
}

bool http_parse_list_has(const char *value, size_t len, const char *lower_s) {
        return comma_list_has(value, len, lower_s);
}

unsigned http_parse_errno_to_status(int error) {
        switch (error) {
        case -EAGAIN:
                return 408;
        case -ENAMETOOLONG:
                return 414;
        case -EMSGSIZE:
                return 431;
        case -EOPNOTSUPP:
                return 501;
        case -EPROTONOSUPPORT:
                return 505;
        default:
                return 400;
        }
}

/* Records why (when the caller asked) and returns the errno of that reason's class. */
static int fail(HttpReason *why, HttpReason reason, int error) {
        *why = reason;
        return error;
}

#define BAD(reason) fail(why, HTTP_REASON_##reason, -EBADMSG)

static HttpMethod method_from_token(const char *p, size_t len) {
        /* RFC 9110 §9.1: method names are case-sensitive. */
        for (HttpMethod m = 0; m < _HTTP_METHOD_MAX; m++)
                if (strlen(method_names[m]) == len && memcmp(method_names[m], p, len) == 0)
                        return m;
        return _HTTP_METHOD_INVALID;
}

static bool is_reg_name_char(unsigned char c) {
        /* unreserved / sub-delims (RFC 3986 §2.2-2.3); '%' starts a pct-encoded octet */
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char) c) ||
               (c != 0 && strchr("-._~!$&'()*+,;=%", c));
}

/* Host (RFC 9110 §7.2) is uri-host [":" port]: an IP-literal in brackets, or a reg-name
 * (IPv4 addresses included) of unreserved, pct-encoded and sub-delims characters; port is
 * *DIGIT. So no path, userinfo, whitespace or backslash, and "a:xyz" is invalid: §7.2
 * makes an invalid Host a 400. An empty value is valid. */
static bool host_valid(const char *p, size_t len) {
        size_t i = 0;

        if (len > 0 && p[0] == '[') {
                /* IPv6address / IPvFuture: hex digits, '.', ':', and IPvFuture's
                 * unreserved and sub-delims; checked as that superset. */
                for (i = 1; i < len && p[i] != ']'; i++)
                        if (p[i] != ':' && (p[i] == '%' || !is_reg_name_char(p[i])))
                                return false;
                if (i == 1 || i >= len)
                        return false;
                i++;
        } else
                for (; i < len && p[i] != ':'; i++) {
                        if (!is_reg_name_char(p[i]))
                                return false;
                        if (p[i] == '%' && (i + 2 >= len || !is_xdigit(p[i + 1]) || !is_xdigit(p[i + 2])))
                                return false;
                }

        if (i == len)
                return true;
        if (p[i] != ':')
                return false;
        for (i++; i < len; i++)
                if (!is_digit(p[i]))
                        return false;
        return true;
}

static int parse_content_length(const char *p, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        /* RFC 9112 §6.3: Content-Length = 1*DIGIT. A list ("5, 5") is not accepted: strict. */
        if (len == 0 || len > 19)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (p[i] - '0');
        }
        *ret = v;
        return 0;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) on
 * buf[b..e) (line terminator excluded). */
static int parse_request_line(const char *buf, size_t b, size_t e, const HttpParseLimits *limits,
                              HttpRequest *req, HttpReason *why) {
        size_t i = b, mb, ml, tb, tl;
        const char *v;
        size_t vlen;
        HttpMethod m;

        if (e - b > limits->max_request_line)
                return fail(why, HTTP_REASON_URI_TOO_LONG, -ENAMETOOLONG);

        mb = i;
        while (i < e && http_char_is_tchar(buf[i]))
                i++;
        ml = i - mb;
        if (ml == 0 || i >= e || buf[i] != ' ')
                return BAD(REQUEST_LINE);
        i++;

        tb = i;
        /* No CTLs, SP or DEL. Raw 8-bit bytes are not URI characters, but clients send
         * UTF-8 paths unencoded and they delimit nothing, so they pass (as with nginx). */
        while (i < e && (unsigned char) buf[i] > 0x20 && (unsigned char) buf[i] != 0x7f)
                i++;
        tl = i - tb;
        if (tl == 0 || i >= e || buf[i] != ' ')
                return BAD(REQUEST_LINE);
        i++;

        /* HTTP-version = HTTP-name "/" DIGIT "." DIGIT (RFC 9112 §2.3). */
        v = buf + i;
        vlen = e - i;
        if (vlen < 6 || memcmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]))
                return BAD(VERSION);
        if (vlen == 8 && v[6] == '.' && is_digit(v[7])) {
                if (v[5] != '1')
                        /* HTTP/0.9, HTTP/2.0, ... */
                        return fail(why, HTTP_REASON_VERSION_UNSUPPORTED, -EPROTONOSUPPORT);
                /* RFC 9110 §2.5: a higher minor version of a major version we implement
                 * (HTTP/1.2) is processed as the highest one we conform to, 1.1. */
                req->minor_version = v[7] == '0' ? 0 : 1;
        } else if (vlen == 6 && v[5] != '1')
                /* "HTTP/2", "HTTP/3": answered as nginx does */
                return fail(why, HTTP_REASON_VERSION_UNSUPPORTED, -EPROTONOSUPPORT);
        else
                return BAD(VERSION);                    /* "HTTP/1.10", "HTTP/01.1", "HTTP/1" */

        m = method_from_token(buf + mb, ml);
        if (m < 0)
                return fail(why, HTTP_REASON_METHOD_UNKNOWN, -EOPNOTSUPP);
        req->method = m;

        req->target = (HttpSlice) { buf + tb, tl };
        if (memchr(buf + tb, '#', tl))
                return BAD(REQUEST_LINE);       /* a fragment is never part of a request-target */

        const char *t = buf + tb, *pe;
        size_t pl;

        if (t[0] == '/') {
                /* origin-form (RFC 9112 §3.2.1) */
                pl = tl;
                pe = memchr(t, '?', tl);
                if (pe)
                        pl = (size_t) (pe - t);
                req->path = (HttpSlice) { t, pl };
                if (pe)
                        req->query = (HttpSlice) { pe + 1, tl - pl - 1 };
        } else if (m == HTTP_METHOD_OPTIONS && tl == 1 && t[0] == '*') {
                req->path = (HttpSlice) { t, 1 };   /* asterisk-form (§3.2.4) */
        } else if (m == HTTP_METHOD_CONNECT) {
                req->path = (HttpSlice) { t, tl };  /* authority-form (§3.2.3): 405 anyway */
        } else {
                /* absolute-form (§3.2.2): the authority replaces Host. */
                size_t s;

                if (tl > 7 && http_parse_token_eq(t, 7, "http://"))
                        s = 7;
                else if (tl > 8 && http_parse_token_eq(t, 8, "https://"))
                        s = 8;
                else
                        return BAD(REQUEST_LINE);

                size_t a = s;
                while (a < tl && t[a] != '/' && t[a] != '?')
                        a++;
                if (a == s || !host_valid(t + s, a - s))
                        return BAD(BAD_HOST);
                req->host = (HttpSlice) { t + s, a - s };

                if (a == tl || t[a] == '?')
                        req->path = (HttpSlice) { "/", 1 };
                else {
                        pl = tl - a;
                        pe = memchr(t + a, '?', tl - a);
                        if (pe)
                                pl = (size_t) (pe - (t + a));
                        req->path = (HttpSlice) { t + a, pl };
                }
                pe = memchr(t + a, '?', tl - a);
                if (pe)
                        req->query = (HttpSlice) { pe + 1, (size_t) (t + tl - pe - 1) };
        }

        return 0;
}

/* One header line buf[b..e) (terminator excluded; e > b). */
static int parse_header_line(const char *buf, size_t b, size_t e, HttpRequest *req, bool *seen_host,
                             bool *seen_te, bool *te_chunked_last, bool *seen_close, HttpReason *why) {
        size_t i = b, ve;

        /* RFC 9112 §5.2: obs-fold is rejected with 400. */
        if (http_char_is_ows(buf[b]))
                return BAD(OBS_FOLD);

        while (i < e && http_char_is_tchar(buf[i]))
                i++;
        /* RFC 9112 §5.1: no whitespace between field name and colon, ever. */
        if (i < e && i > b && http_char_is_ows(buf[i]) && memchr(buf + i, ':', e - i))
                return BAD(SPACE_BEFORE_COLON);
        if (i == b || i >= e || buf[i] != ':')
                return BAD(HEADER_SYNTAX);

        req->n_headers++;
        const char *n = buf + b;
        size_t nl = i - b;
        i++;
        while (i < e && http_char_is_ows(buf[i]))
                i++;
        for (size_t j = i; j < e; j++)
                if (!http_char_is_field(buf[j]))
                        return BAD(HEADER_VALUE);       /* NUL, bare CR, other CTLs, DEL */
        ve = e;
        while (ve > i && http_char_is_ows(buf[ve - 1]))
                ve--;
        const char *v = buf + i;        /* leading and trailing OWS removed */
        size_t vl = ve - i;

        if (http_parse_token_eq(n, nl, "host")) {
                if (*seen_host)
                        return BAD(DUPLICATE_HOST);     /* RFC 9112 §3.2: more than one Host -> 400 */
                *seen_host = true;
                if (!host_valid(v, vl))
                        return BAD(BAD_HOST);
                if (!req->host.p)               /* absolute-form authority wins (§3.2.2) */
                        req->host = (HttpSlice) { v, vl };
        } else if (http_parse_token_eq(n, nl, "content-length")) {
                uint64_t cl;

                if (parse_content_length(v, vl, &cl) < 0)
                        return BAD(CONTENT_LENGTH);
                if (req->has_content_length && cl != req->content_length)
                        return BAD(CONTENT_LENGTH);     /* conflicting lengths: smuggling vector */
                req->has_content_length = true;
                req->content_length = cl;
        } else if (http_parse_token_eq(n, nl, "transfer-encoding")) {
                const char *coding;
                size_t k = 0, coding_len;

                /* RFC 9112 §6.1: chunked is applied at most once and is the final coding,
                 * over all Transfer-Encoding lines together (they form one list, RFC 9110
                 * §5.3). A coding after chunked, or chunked twice, leaves the body length
                 * unknown: 400. */
                *seen_te = true;
                while (comma_list_next(v, vl, &k, &coding, &coding_len)) {
                        if (*te_chunked_last)
                                return BAD(TRANSFER_ENCODING);
                        *te_chunked_last = http_parse_token_eq(coding, coding_len, "chunked");
                }
        } else if (http_parse_token_eq(n, nl, "connection")) {
                /* "close" in any Connection field wins over "keep-alive" in any other
                 * (RFC 9112 §9.6: the sender will close after this response). */
                if (http_parse_list_has(v, vl, "close"))
                        *seen_close = true;
                else if (http_parse_list_has(v, vl, "keep-alive"))
                        req->keep_alive = true;
        } else if (http_parse_token_eq(n, nl, "if-none-match")) {
                if (!req->if_none_match.p)
                        req->if_none_match = (HttpSlice) { v, vl };
        } else if (http_parse_token_eq(n, nl, "if-modified-since")) {
                if (!req->if_modified_since.p)
                        req->if_modified_since = (HttpSlice) { v, vl };
        } else if (http_parse_token_eq(n, nl, "if-range")) {
                if (!req->if_range.p)
                        req->if_range = (HttpSlice) { v, vl };
        } else if (http_parse_token_eq(n, nl, "range")) {
                /* Range is not a list (RFC 9110 §14.2): two fields are ambiguous. A server
                 * MAY ignore Range, so both are (an empty value is ignored): 200. */
                req->range = (HttpSlice) { v, req->range.p ? 0 : vl };
        } else if (http_parse_token_eq(n, nl, "if-match")) {
                if (!req->if_match.p)
                        req->if_match = (HttpSlice) { v, vl };
        } else if (http_parse_token_eq(n, nl, "if-unmodified-since")) {
                if (!req->if_unmodified_since.p)
                        req->if_unmodified_since = (HttpSlice) { v, vl };
        } else if (http_parse_token_eq(n, nl, "expect")) {
                /* RFC 9110 §10.1.1: ignored in an HTTP/1.0 request. */
                if (req->minor_version >= 1 && http_parse_list_has(v, vl, "100-continue"))
                        req->expect_continue = true;
        }

        return 0;
}

/* Finds the end of line starting at @i: sets *ret_e to the position of the terminator
 * (CR of CRLF, or the bare LF) and returns the index after it; -EAGAIN if no LF yet;
 * -EBADMSG for a CR that is not followed by LF. */
static ssize_t line_end(const char *buf, size_t len, size_t i, size_t *ret_e, HttpReason *why) {
        const char *lf = memchr(buf + i, '\n', len - i);
        size_t e;

        if (!lf)
                return -EAGAIN;
        e = (size_t) (lf - buf);
        if (e > i && buf[e - 1] == '\r')
                e--;
        if (memchr(buf + i, '\r', e - i))
                return BAD(BARE_CR);            /* bare CR inside the line */
        *ret_e = e;
        return (ssize_t) (lf - buf) + 1;
}

static int parse_request(const char *buf, size_t len, size_t prev_len, const HttpParseLimits *limits,
                         HttpRequest *ret, HttpReason *why) {
        HttpRequest req;
        size_t start = 0, e, head_end = 0, max_headers;
        bool seen_host = false, seen_te = false, te_chunked = false, seen_close = false;
        ssize_t n;
        int r;

        assert(buf || len == 0);
        assert(limits);
        assert(ret);

        max_headers = MIN(limits->max_headers, (size_t) HTTP_HEADERS_MAX);

        /* RFC 9112 §2.2: ignore empty lines before the request line. */
        while (start < len && (buf[start] == '\n' || buf[start] == '\r')) {
                if (buf[start] == '\r') {
                        if (start + 1 >= len)
                                return -EAGAIN;
                        if (buf[start + 1] != '\n')
                                return BAD(BARE_CR);
                        start++;
                }
                start++;
                if (start > limits->max_head)
                        return fail(why, HTTP_REASON_HEAD_TOO_LARGE, -EMSGSIZE);
        }
        if (start >= len)
                return -EAGAIN;

        n = line_end(buf, len, start, &e, why);
        if (n == -EAGAIN) {
                /* No LF yet: a line already over the limit cannot become valid. Leave room
                 * for the CRLF. */
                if (len - start > limits->max_request_line + 1)
                        return fail(why, HTTP_REASON_URI_TOO_LONG, -ENAMETOOLONG);
                /* The method is known early: reject garbage without waiting for the line. */
                for (size_t i = start; i < len && buf[i] != ' '; i++)
                        if (!http_char_is_tchar(buf[i]) && buf[i] != '\r')
                                return BAD(REQUEST_LINE);
                if (len > limits->max_head)
                        return fail(why, HTTP_REASON_HEAD_TOO_LARGE, -EMSGSIZE);
                return -EAGAIN;
        }
        if (n < 0)
                return (int) n;

        req = (HttpRequest) {};
        r = parse_request_line(buf, start, e, limits, &req, why);
        if (r < 0)
                return r;
        req.keep_alive = req.minor_version >= 1;

        /* Find the blank line ending the head. Lines that began before @prev_len were
         * complete and not blank at the previous call, so start at the last line start
         * before it. */
        size_t i = (size_t) n;
        if (prev_len > i + 1) {
                const char *lf = memrchr(buf + i, '\n', prev_len - 1 - i);
                if (lf)
                        i = (size_t) (lf - buf) + 1;
        }
        while (i < len) {
                const char *lf;

                if (buf[i] == '\n') {
                        head_end = i + 1;
                        break;
                }
                if (buf[i] == '\r') {
                        if (i + 1 >= len)
                                break;
                        if (buf[i + 1] != '\n')
                                return BAD(BARE_CR);
                        head_end = i + 2;
                        break;
                }
                lf = memchr(buf + i, '\n', len - i);
                if (!lf)
                        break;
                i = (size_t) (lf - buf) + 1;
        }
        if (head_end == 0) {
                if (len > limits->max_head)
                        return fail(why, HTTP_REASON_HEAD_TOO_LARGE, -EMSGSIZE);
                return -EAGAIN;
        }
        if (head_end > limits->max_head)
                return fail(why, HTTP_REASON_HEAD_TOO_LARGE, -EMSGSIZE);

        /* Header fields, each on its own line, up to the blank line. */
        i = (size_t) n;
        while (i < head_end) {
                n = line_end(buf, head_end, i, &e, why);
                assert(n > 0 || n == -EBADMSG);
                if (n < 0)
                        return (int) n;
                if (e == i)
                        break;                  /* the blank line */
                if (req.n_headers >= max_headers)
                        return fail(why, HTTP_REASON_TOO_MANY_HEADERS, -EMSGSIZE);
                r = parse_header_line(buf, i, e, &req, &seen_host, &seen_te, &te_chunked, &seen_close, why);
                if (r < 0)
                        return r;
                i = (size_t) n;
        }

        /* RFC 9112 §6.1-6.3: framing that two parsers could read differently is fatal. */
        if (seen_te) {
                if (req.has_content_length)
                        return BAD(CL_AND_TE);
                if (req.minor_version == 0 || !te_chunked)
                        return BAD(TRANSFER_ENCODING);
                req.chunked = true;
        }
        /* RFC 9112 §3.2: a 1.1 request without Host is a 400. */
        if (req.minor_version >= 1 && !seen_host)
                return BAD(NO_HOST);
        if (seen_close)
                req.keep_alive = false;

        *ret = req;
        return (int) head_end;
}

int http_parse_request(const char *buf, size_t len, size_t prev_len, const HttpParseLimits *limits,
                       HttpRequest *ret, HttpReason *reterr_reason) {
        HttpReason why = HTTP_REASON_BAD_REQUEST;
        int r;

        r = parse_request(buf, len, prev_len, limits, ret, &why);
        if (r < 0 && r != -EAGAIN && reterr_reason)
                *reterr_reason = why;
        return r;
}
