/* ping_http.h — netlab-ping's HTTP mode: each probe is one GET (a new connection per probe,
 * or one kept-alive connection with --keep-alive), timed as curl's -w timers, all from the
 * start of the request: connect, pretransfer (request written), ttfb (first byte), total. The response head parser is pure and table-tested (tests/test_ping_http.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ping.h"

#define PING_HTTP_HEAD_MAX (16 * 1024)  /* a longer response head is a protocol error */

typedef struct PingHttpHead {
        int status;                     /* 100..599 */
        unsigned minor_version;         /* HTTP/1.x */
        int64_t content_length;         /* -1 if absent */
        bool chunked;                   /* Transfer-Encoding ends in "chunked" */
        bool close;                     /* the server will close: HTTP/1.0 without keep-alive, or
                                         * "Connection: close" */
} PingHttpHead;

/* Parses a response head (status line + headers + blank line) at the start of buf[0..len).
 * Returns its length in bytes (> 0) and fills *ret, or:
 *   -EAGAIN   no blank line yet (and len < PING_HTTP_HEAD_MAX)
 *   -EBADMSG  not an HTTP/1.x response, bad status, conflicting or bad Content-Length
 *   -EMSGSIZE no blank line within PING_HTTP_HEAD_MAX bytes
 * Bare LF line ends are accepted (RFC 9112 §2.2). Never reads beyond @len. */
int ping_http_parse_head(const char *buf, size_t len, PingHttpHead *ret);

typedef struct PingHttp PingHttp;

/* Starts probing p->http_path on p->addr. Returns 0 or a negative errno (sd-event). */
int ping_http_new(Ping *p, PingHttp **ret);

/* Copies the HTTP counters into @s and points s->http_phases at @h's phase statistics
 * (borrowed: valid until ping_http_free()). */
void ping_http_summary(const PingHttp *h, PingSummary *s);

PingHttp *ping_http_free(PingHttp *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(PingHttp *, ping_http_free);
