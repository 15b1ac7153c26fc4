/* http_response.h — PURE: builds a response head (status line + header fields) into a
 * bounded buffer, formats and parses HTTP dates, and renders the small HTML error pages.
 * No I/O, no clock: the caller passes the current time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time_util.h"

#define HTTP_RESPONSE_HEAD_MAX 1024     /* every head we build fits (Location is bounded) */
#define HTTP_DATE_LEN 29                /* "Sun, 06 Nov 1994 08:49:37 GMT" */

typedef struct HttpResponse {
        unsigned status;
        const char *server;             /* Server: value; NULL or "" = no header */
        usec_t date_usec;               /* CLOCK_REALTIME of the response */
        const char *date;               /* preformatted Date value (cached per second), or NULL */
        const char *content_type;       /* NULL = no header */
        bool has_body_length;           /* emit Content-Length */
        uint64_t content_length;
        usec_t last_modified_usec;      /* 0 = no header */
        const char *last_modified;      /* preformatted Last-Modified value, or NULL */
        const char *etag;               /* NULL = no header; quoted */
        bool accept_ranges;             /* "Accept-Ranges: bytes" */
        bool content_range;             /* 206: "bytes first-last/total" */
        bool range_unsatisfied;         /* 416: "bytes * /total" */
        uint64_t range_first, range_last, range_total;
        const char *location;           /* 301: already a valid URI reference; NULL = none */
        bool allow;                     /* 405/501: "Allow: GET, HEAD" */
        bool keep_alive;                /* false: "Connection: close" */
        bool http10;                    /* reply "HTTP/1.0"-style keep-alive header */
} HttpResponse;

/* Reason phrase for @status ("Not Found"); "Unknown" for codes we never send. */
const char *http_response_reason(unsigned status);

/* Writes the head of @r (status line, fields, blank line) into buf[0..size). Returns the
 * length (> 0), or -ENOBUFS if it does not fit (nothing useful in @buf then). */
int http_response_head(const HttpResponse *r, char *buf, size_t size);

/* Formats @usec (CLOCK_REALTIME) as an IMF-fixdate (RFC 9110 §5.6.7) into @buf, which
 * must hold HTTP_DATE_LEN + 1 bytes. Returns @buf. */
char *http_response_format_date(usec_t usec, char *buf);

/* Parses an HTTP date: IMF-fixdate, and the obsolete RFC 850 and asctime forms a
 * recipient MUST accept (RFC 9110 §5.6.7). Returns 0 and *ret (usec, whole seconds), or
 * -EINVAL. */
int http_response_parse_date(const char *s, size_t len, usec_t *ret);

/* Renders a small HTML page for @status into buf[0..size) (truncated if small; always
 * NUL-terminated if size > 0): a title and heading "<status> <reason phrase>" and, when
 * @why is not NULL, one line "<status> <reason phrase>: <why>" that says what was wrong.
 * @why is borrowed fixed text (http_reason_message()): it is inserted as it is, so it
 * must hold no HTML metacharacters and never bytes of the request. Returns the length
 * written. */
size_t http_response_error_page(unsigned status, const char *why, char *buf, size_t size);
