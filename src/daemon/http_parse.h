/* http_parse.h — PURE: the HTTP/1.1 request head parser (RFC 9112). A pure function
 * over the caller's byte buffer, shaped like picohttpparser: pointers into the buffer
 * out, "need more" until the head is complete, a negative errno for a bad head. No I/O,
 * no allocation, no globals. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_reason.h"

#define HTTP_HEADERS_MAX 128            /* hard bound on the header array; config may lower it */
#define HTTP_HEAD_MAX (256U * 1024U)    /* hard bound on a whole head (http.max_header_size <= this) */

/* The one method enum of the daemon: parsed once here, then used as it is by the router,
 * the connection and the metrics label (metrics.h adds "other" after the last one). The
 * order is the order of the metrics output. */
typedef enum HttpMethod {
        HTTP_METHOD_GET,
        HTTP_METHOD_HEAD,
        /* Known but not served here: answered 405 with "Allow: GET, HEAD". */
        HTTP_METHOD_OPTIONS,
        HTTP_METHOD_POST,
        HTTP_METHOD_PUT,
        HTTP_METHOD_DELETE,
        HTTP_METHOD_PATCH,
        HTTP_METHOD_CONNECT,
        HTTP_METHOD_TRACE,
        _HTTP_METHOD_MAX,
        _HTTP_METHOD_INVALID = -EINVAL,
} HttpMethod;

/* A borrowed slice of the caller's buffer; .p == NULL when absent. */
typedef struct HttpSlice {
        const char *p;
        size_t len;
} HttpSlice;

typedef struct HttpParseLimits {
        size_t max_request_line;        /* bytes of the request line without CRLF -> 414 */
        size_t max_head;                /* whole head incl. the blank line -> 431 */
        size_t max_headers;             /* header fields -> 431 (<= HTTP_HEADERS_MAX) */
} HttpParseLimits;

typedef struct HttpRequest {
        HttpMethod method;
        HttpSlice target;               /* request-target as sent */
        HttpSlice path;                 /* absolute path part (before '?'), still percent-encoded */
        HttpSlice query;                /* after '?', without it; .p == NULL if none */
        HttpSlice host;                 /* authority of an absolute-form target, else Host: */
        unsigned minor_version;         /* 0 or 1 (HTTP/1.2..1.9 are read as 1.1, RFC 9110 §2.5) */
        bool keep_alive;                /* after applying the version default and Connection: */
        bool has_content_length;
        uint64_t content_length;        /* request body bytes that follow the head */
        bool chunked;                   /* body in the chunked coding (http_chunked_feed) */
        bool expect_continue;           /* "Expect: 100-continue" on HTTP/1.1 (RFC 9110 §10.1.1) */
        HttpSlice if_match;             /* first field of each; validators are checked by http_serve */
        HttpSlice if_unmodified_since;
        HttpSlice if_none_match;
        HttpSlice if_modified_since;
        HttpSlice if_range;
        HttpSlice range;
        size_t n_headers;               /* header fields in the head (<= limits->max_headers) */
} HttpRequest;

/* Parses one request head from buf[0..len). @prev_len is the length at the previous
 * call for the same head (0 on the first), so bytes already known to hold no blank line
 * are not rescanned for the terminator. Empty lines before the request line are skipped
 * (RFC 9112 §2.2) and count as consumed. A bare LF is accepted as a line terminator
 * (RFC 9112 §2.2 MAY), a bare CR is not.
 *
 * Returns the number of bytes of the head (> 0, the body or the next pipelined request
 * starts there), or:
 *   -EAGAIN           head incomplete: read more (header timer -> 408)
 *   -EBADMSG          malformed request line or header, bare CR, NUL, obs-fold, space
 *                     before ':', duplicate Host, missing Host on 1.1, Content-Length
 *                     with Transfer-Encoding, conflicting or bad Content-Length,
 *                     Transfer-Encoding whose final coding is not chunked or that
 *                     applies chunked twice, Host that is not uri-host [":" port] -> 400
 *   -ENAMETOOLONG     request line longer than limits->max_request_line           -> 414
 *   -EMSGSIZE         head longer than limits->max_head, or more headers than
 *                     limits->max_headers                                         -> 431
 *   -EOPNOTSUPP       method token we do not know (known ones parse: caller -> 405) -> 501
 *   -EPROTONOSUPPORT  a major version other than 1 ("HTTP/2.0", "HTTP/0.9", "HTTP/3") -> 505
 * A malformed version ("HTTP/1.10", "HTTP/01.1", "http/1.1") is -EBADMSG.
 * Errors in the request line are reported as soon as the line is complete, before the
 * rest of the head arrives. Never allocates, never reads outside buf[0..len), fills
 * *ret only on success (pointers into @buf: valid while the caller keeps it).
 * @reterr_reason (may be NULL) is set on a failure other than -EAGAIN to the finer
 * reason (HTTP_REASON_NO_HOST, _OBS_FOLD, _TOO_MANY_HEADERS ...; see http_reason.h),
 * whose status always equals http_parse_errno_to_status() of the return value. A
 * "Connection: close" in any Connection field makes keep_alive false, whatever other
 * Connection fields say. */
int http_parse_request(const char *buf, size_t len, size_t prev_len, const HttpParseLimits *limits,
                       HttpRequest *ret, HttpReason *reterr_reason);

/* Maps a parser errno to the HTTP status the server answers (400, 408 for -EAGAIN at
 * the header timeout, 414, 431, 501, 505). Unknown errnos -> 400. */
unsigned http_parse_errno_to_status(int error);

/* "GET", "HEAD", ...; NULL for an invalid value. */
const char *http_method_to_string(HttpMethod m);

/* Case-insensitive comparison of a borrowed token with a NUL-terminated lowercase one. */
bool http_parse_token_eq(const char *p, size_t len, const char *lower);

/* True if the comma-separated list value[0..len) contains @lower (case-insensitive,
 * OWS around elements ignored), as Connection: close, keep-alive does. */
bool http_parse_list_has(const char *value, size_t len, const char *lower);
