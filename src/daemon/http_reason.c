/* http_reason.c — PURE: the one table of HTTP error reasons: status, metrics label and
 * the line the error page shows. Read by http_route (the page), http_conn (the access
 * log at debug level and the counters) and metrics.c (the reason label); the parser
 * only produces the enum values. */

#include <stddef.h>

#include "http_reason.h"
#include "macro.h"

typedef struct HttpReasonInfo {
        unsigned status;
        const char *label;
        const char *message;
} HttpReasonInfo;

static const HttpReasonInfo reasons[_HTTP_REASON_MAX] = {
        [HTTP_REASON_NONE] = { 0, "none", NULL },
        [HTTP_REASON_BAD_REQUEST] = { 400, "malformed", "malformed request (RFC 9112)" },
        [HTTP_REASON_REQUEST_LINE] = { 400, "request_line",
                "malformed request line: want METHOD SP target SP HTTP/1.1 CRLF (RFC 9112 section 3)" },
        [HTTP_REASON_VERSION] = { 400, "version",
                "malformed HTTP version: want HTTP/DIGIT.DIGIT (RFC 9112 section 2.3)" },
        [HTTP_REASON_BARE_CR] = { 400, "bare_cr",
                "CR not followed by LF in the request head (RFC 9112 section 2.2)" },
        [HTTP_REASON_HEADER_SYNTAX] = { 400, "header_syntax",
                "malformed header line: want name \":\" value CRLF (RFC 9112 section 5)" },
        [HTTP_REASON_OBS_FOLD] = { 400, "obs_fold",
                "header line starts with whitespace (obs-fold, RFC 9112 section 5.2)" },
        [HTTP_REASON_SPACE_BEFORE_COLON] = { 400, "space_before_colon",
                "whitespace between a header name and the colon (RFC 9112 section 5.1)" },
        [HTTP_REASON_HEADER_VALUE] = { 400, "header_value",
                "control character in a header value (RFC 9110 section 5.5)" },
        [HTTP_REASON_NO_HOST] = { 400, "no_host",
                "HTTP/1.1 request without a Host header (RFC 9112 section 3.2)" },
        [HTTP_REASON_DUPLICATE_HOST] = { 400, "duplicate_host",
                "more than one Host header (RFC 9112 section 3.2)" },
        [HTTP_REASON_BAD_HOST] = { 400, "bad_host",
                "Host header is not host[:port] (RFC 9110 section 7.2)" },
        [HTTP_REASON_CONTENT_LENGTH] = { 400, "content_length",
                "invalid or conflicting Content-Length (RFC 9112 section 6.3)" },
        [HTTP_REASON_CL_AND_TE] = { 400, "content_length_and_transfer_encoding",
                "both Content-Length and Transfer-Encoding (RFC 9112 section 6.1)" },
        [HTTP_REASON_TRANSFER_ENCODING] = { 400, "transfer_encoding",
                "Transfer-Encoding must end in chunked, once, on HTTP/1.1 (RFC 9112 section 6.1)" },
        [HTTP_REASON_CHUNKED] = { 400, "chunked",
                "malformed chunked body: size [;ext] CRLF data CRLF ... 0 CRLF CRLF (RFC 9112 section 7.1)" },
        [HTTP_REASON_PATH] = { 400, "path",
                "request path with a bad percent-escape, a NUL or a \"..\" segment (RFC 3986 section 3.3)" },
        [HTTP_REASON_HEADER_TIMEOUT] = { 408, "header_timeout",
                "request head not complete within http.header_timeout" },
        [HTTP_REASON_BODY_TOO_LARGE] = { 413, "body_too_large",
                "request body larger than http.max_body" },
        [HTTP_REASON_URI_TOO_LONG] = { 414, "uri_too_long",
                "request line longer than http.max_request_line" },
        [HTTP_REASON_HEAD_TOO_LARGE] = { 431, "head_too_large",
                "request head larger than http.max_header_size" },
        [HTTP_REASON_TOO_MANY_HEADERS] = { 431, "too_many_headers",
                "more header fields than http.max_headers" },
        [HTTP_REASON_METHOD_UNKNOWN] = { 501, "method_unknown",
                "unknown method; this server answers GET and HEAD (RFC 9110 section 9.1)" },
        [HTTP_REASON_VERSION_UNSUPPORTED] = { 505, "version_unsupported",
                "only HTTP/1.0 and HTTP/1.1 are served (RFC 9110 section 2.5)" },
        [HTTP_REASON_FORBIDDEN] = { 403, "forbidden", "not a regular file, or not readable by the server" },
        [HTTP_REASON_STATUS_ALLOW] = { 403, "status_allow", "your address is not in http.status_allow" },
        [HTTP_REASON_NOT_FOUND] = { 404, "not_found", "no such file below the document root" },
        [HTTP_REASON_METHOD_NOT_ALLOWED] = { 405, "method_not_allowed",
                "this server answers GET and HEAD only (RFC 9110 section 15.5.6)" },
        [HTTP_REASON_PRECONDITION] = { 412, "precondition",
                "If-Match or If-Unmodified-Since did not hold (RFC 9110 section 13.1)" },
        [HTTP_REASON_RANGE] = { 416, "range", "the range starts beyond the end of the file (RFC 9110 section 14.4)" },
        [HTTP_REASON_INTERNAL] = { 500, "internal", "internal error" },
        [HTTP_REASON_OUT_OF_MEMORY] = { 503, "out_of_memory", "out of memory, try again" },
        [HTTP_REASON_OUT_OF_FDS] = { 503, "out_of_fds", "out of file descriptors, try again" },
        [HTTP_REASON_PER_SOURCE] = { 503, "per_source",
                "too many connections from your address (http.max_connections_per_source)" },
};

static const HttpReasonInfo *reason_info(HttpReason r) {
        return r >= 0 && r < _HTTP_REASON_MAX ? &reasons[r] : NULL;
}

unsigned http_reason_status(HttpReason r) {
        const HttpReasonInfo *i = reason_info(r);

        return i ? i->status : 0;
}

const char *http_reason_label(HttpReason r) {
        const HttpReasonInfo *i = reason_info(r);

        return i ? i->label : NULL;
}

const char *http_reason_message(HttpReason r) {
        const HttpReasonInfo *i = reason_info(r);

        return i ? i->message : NULL;
}

bool http_reason_is_bad_request(HttpReason r) {
        switch (http_reason_status(r)) {
        case 400: case 413: case 414: case 431: case 501: case 505:
                return true;
        default:
                return false;
        }
}

HttpReason http_reason_from_errno(int error) {
        switch (error) {
        case -EAGAIN:
                return HTTP_REASON_HEADER_TIMEOUT;
        case -ENAMETOOLONG:
                return HTTP_REASON_URI_TOO_LONG;
        case -EMSGSIZE:
                return HTTP_REASON_HEAD_TOO_LARGE;
        case -EOPNOTSUPP:
                return HTTP_REASON_METHOD_UNKNOWN;
        case -EPROTONOSUPPORT:
                return HTTP_REASON_VERSION_UNSUPPORTED;
        default:
                return HTTP_REASON_BAD_REQUEST;
        }
}

HttpReason http_reason_from_status(unsigned status) {
        switch (status) {
        case 400: return HTTP_REASON_BAD_REQUEST;
        case 403: return HTTP_REASON_FORBIDDEN;
        case 404: return HTTP_REASON_NOT_FOUND;
        case 405: return HTTP_REASON_METHOD_NOT_ALLOWED;
        case 408: return HTTP_REASON_HEADER_TIMEOUT;
        case 412: return HTTP_REASON_PRECONDITION;
        case 413: return HTTP_REASON_BODY_TOO_LARGE;
        case 414: return HTTP_REASON_URI_TOO_LONG;
        case 416: return HTTP_REASON_RANGE;
        case 431: return HTTP_REASON_HEAD_TOO_LARGE;
        case 501: return HTTP_REASON_METHOD_UNKNOWN;
        case 503: return HTTP_REASON_OUT_OF_MEMORY;
        case 505: return HTTP_REASON_VERSION_UNSUPPORTED;
        default: return HTTP_REASON_INTERNAL;
        }
}
