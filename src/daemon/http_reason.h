/* http_reason.h — PURE: why the server answered an error, as one value. The parser
 * (http_parse_request(), http_chunked_feed()), the router, the connection and the
 * server name the reason; the one table in http_reason.c gives its status code, its
 * metrics label (netlab_http_bad_requests_total{reason}) and the one-line explanation
 * in the error page, with the RFC section where it helps. No request byte ever goes
 * into a reason: the text is fixed, so nothing a client sends is echoed. */
#pragma once

#include <errno.h>
#include <stdbool.h>

typedef enum HttpReason {
        HTTP_REASON_NONE,               /* not an error reply */
        /* 400 */
        HTTP_REASON_BAD_REQUEST,        /* generic: an -EBADMSG without a finer reason */
        HTTP_REASON_REQUEST_LINE,
        HTTP_REASON_VERSION,
        HTTP_REASON_BARE_CR,
        HTTP_REASON_HEADER_SYNTAX,
        HTTP_REASON_OBS_FOLD,
        HTTP_REASON_SPACE_BEFORE_COLON,
        HTTP_REASON_HEADER_VALUE,
        HTTP_REASON_NO_HOST,
        HTTP_REASON_DUPLICATE_HOST,
        HTTP_REASON_BAD_HOST,
        HTTP_REASON_CONTENT_LENGTH,
        HTTP_REASON_CL_AND_TE,
        HTTP_REASON_TRANSFER_ENCODING,
        HTTP_REASON_CHUNKED,
        HTTP_REASON_PATH,
        /* over a limit */
        HTTP_REASON_HEADER_TIMEOUT,     /* 408 */
        HTTP_REASON_BODY_TOO_LARGE,     /* 413 */
        HTTP_REASON_URI_TOO_LONG,       /* 414 */
        HTTP_REASON_HEAD_TOO_LARGE,     /* 431 */
        HTTP_REASON_TOO_MANY_HEADERS,   /* 431 */
        HTTP_REASON_METHOD_UNKNOWN,     /* 501 */
        HTTP_REASON_VERSION_UNSUPPORTED,        /* 505 */
        /* not the client's fault, or not malformed */
        HTTP_REASON_FORBIDDEN,          /* 403: not a regular file, or not readable */
        HTTP_REASON_STATUS_ALLOW,       /* 403: peer not in http.status_allow */
        HTTP_REASON_NOT_FOUND,          /* 404 */
        HTTP_REASON_METHOD_NOT_ALLOWED, /* 405 */
        HTTP_REASON_PRECONDITION,       /* 412 */
        HTTP_REASON_RANGE,              /* 416 */
        HTTP_REASON_INTERNAL,           /* 500 */
        HTTP_REASON_OUT_OF_MEMORY,      /* 503 */
        HTTP_REASON_OUT_OF_FDS,         /* 503 */
        HTTP_REASON_PER_SOURCE,         /* 503: max_connections_per_source */
        _HTTP_REASON_MAX,
        _HTTP_REASON_INVALID = -EINVAL,
} HttpReason;

/* The status code answered for @r (400 ... 505; 0 for HTTP_REASON_NONE or an invalid
 * value). */
unsigned http_reason_status(HttpReason r);

/* The metrics label value ("no_host", ...), or NULL for an invalid value. */
const char *http_reason_label(HttpReason r);

/* The one-line explanation for the error page ("HTTP/1.1 request without a Host header
 * (RFC 9112 section 3.2)"): static text, or NULL for HTTP_REASON_NONE/invalid. */
const char *http_reason_message(HttpReason r);

/* True for the reasons counted in netlab_http_bad_requests_total: the request was
 * malformed, over a limit or not supported, and the connection is closed after it. */
bool http_reason_is_bad_request(HttpReason r);

/* The reason for a parser or path errno when nothing finer is known: -EBADMSG ->
 * HTTP_REASON_BAD_REQUEST, -ENAMETOOLONG -> URI_TOO_LONG, -EMSGSIZE -> HEAD_TOO_LARGE,
 * -EOPNOTSUPP -> METHOD_UNKNOWN, -EPROTONOSUPPORT -> VERSION_UNSUPPORTED, -EAGAIN ->
 * HEADER_TIMEOUT; anything else -> BAD_REQUEST. */
HttpReason http_reason_from_errno(int error);

/* The default reason of a status code (404 -> NOT_FOUND, 503 -> OUT_OF_MEMORY ...), for
 * callers that only know the status; an unknown code -> INTERNAL. */
HttpReason http_reason_from_status(unsigned status);
