/* http_route.h — what to answer for one parsed request, as a value: HttpReply (head
 * fields, body, close flag). Decides the dynamic endpoints and their status_allow check,
 * the hidden-file policy, files (cache or fd), the directory rules (301, index,
 * autoindex) and every status page. Never touches a socket: http_conn sends the reply. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "http_cache.h"
#include "http_parse.h"
#include "http_response.h"
#include "http_serve.h"
#include "mime.h"
#include "time_util.h"

/* The dynamic endpoints. The router compares the decoded path with the configured paths
 * once and hands the provider this value, never the path. */
typedef enum HttpEndpoint {
        HTTP_ENDPOINT_METRICS, /* http.metrics_path: Prometheus text */
        HTTP_ENDPOINT_STATUS,  /* http.status_path: /api/status JSON */
        HTTP_ENDPOINT_FLOWS,   /* FLOWS_PATH (while status_path is set): /api/flows JSON */
        _HTTP_ENDPOINT_MAX,
        _HTTP_ENDPOINT_INVALID = -EINVAL,
} HttpEndpoint;

/* Produces the body of a dynamic endpoint. Called only after the router matched the path
 * and the peer passed status_allow; @query (@query_len bytes, not NUL-terminated; NULL
 * when the target had no "?") is the raw query string. Returns 0 with a malloc'ed body
 * (*ret_body, *ret_len; ownership moves to the caller) and a static *ret_content_type, or
 * a negative errno: -EINVAL/-E2BIG (a query it refuses) -> 400, -ENOMEM -> 503 (and the
 * connection closes after it), anything else -> 500. */
typedef int (*HttpDynamicFunc)(void *userdata, HttpEndpoint endpoint, const char *query, size_t query_len,
                               char **ret_body, size_t *ret_len, const char **ret_content_type);

/* Everything a routing decision may look at. All borrowed for the duration of one
 * http_route_*() call. */
typedef struct HttpRouteCtx {
        const Conf *conf;               /* the snapshot the request started with */
        int root_fd;                    /* document root (O_DIRECTORY) */
        const MimeTable *mime;
        HttpCache *cache;               /* small-file cache, or NULL */
        usec_t now_usec;                /* CLOCK_MONOTONIC: cache validity */
        const uint8_t *etag_key;        /* HTTP_SERVE_ETAG_KEY_SIZE bytes (http_serve_etag()) */
        const struct sockaddr *peer;    /* the client, for status_allow; may be NULL */
        HttpDynamicFunc dynamic;        /* NULL: no dynamic endpoints (their paths are files) */
        void *dynamic_userdata;
} HttpRouteCtx;

#define HTTP_REPLY_PAGE_MAX 512                         /* inline status pages */
#define HTTP_REPLY_LOCATION_MAX (HTTP_SERVE_PATH_MAX * 3 + 2)

/* A reply. The body is one of: nothing; @data (borrowed: a cache entry, valid until the
 * next cache put or flush, or @page inside this reply); @mem (owned malloc'ed buffer);
 * @fd (owned, sendfile of [file_off, file_off + file_len)). Release the owned parts with
 * http_reply_done() unless ownership was taken. Large: lives on the caller's stack. */
typedef struct HttpReply {
        HttpResponse head;              /* status and fields; Server, Date, Connection: http_conn */
        const char *data;
        size_t data_len;
        char *mem;
        size_t mem_len;
        int fd;
        uint64_t file_off, file_len;
        bool close;                     /* framing in doubt, or out of memory: close after it */
        HttpReason reason;              /* why, for an error status; HTTP_REASON_NONE otherwise */
        bool oom;                       /* an allocation failed on the way (netlab_oom_total) */
        bool dashboard;                 /* a dynamic endpoint's path (http.dashboard_requests) */
        char etag[HTTP_SERVE_ETAG_MAX];
        char page[HTTP_REPLY_PAGE_MAX];
        char location[HTTP_REPLY_LOCATION_MAX];
} HttpReply;

/* Frees what the reply owns (mem, fd) and clears those fields. NULL-safe. */
void http_reply_done(HttpReply *r);

/* Resolves @req (a complete, parsed head) into *ret: the dynamic endpoints (403 when the
 * peer is not in http.status_allow), GET/HEAD of files and directories below the root,
 * 405 for the other known methods, and the status page for every failure. *ret needs no
 * initialisation and is always filled. Returns the reply's status code. Touches the file
 * system (openat2 beneath the root, the cache, autoindex) but never a socket, and logs
 * nothing. */
unsigned http_route_resolve(const HttpRouteCtx *ctx, const HttpRequest *req, HttpReply *ret);

/* The error page for @reason into *ret, with the reason's status (http_reason_status())
 * and its one-line explanation: the root's 404.html for 404 (if it opens), else a small
 * inline HTML page. Statuses that leave the stream's framing in doubt (400, 408, 413,
 * 414, 431, 500, 501, 505) and out-of-memory set ret->close; 405 sets "Allow". Used by
 * http_route_resolve() and by http_conn for parser errors, timeouts and 413. Returns the
 * status. */
unsigned http_route_status(const HttpRouteCtx *ctx, HttpReason reason, HttpReply *ret);
