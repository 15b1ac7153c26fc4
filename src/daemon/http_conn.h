/* http_conn.h — one HTTP/1.1 connection: an explicit state machine driven by its sd-event
 * I/O source (darkhttpd's RECV_REQUEST -> SEND_HEADER -> SEND_REPLY -> DONE), with
 * keep-alive, pipelining, request-body discarding, timeouts and sendfile(). Connections
 * share one HttpConnEnv owned by the HttpServer. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "http_cache.h"
#include "http_response.h"
#include "http_server.h"
#include "metrics.h"
#include "mime.h"

#define HTTP_CONN_RBUF_MIN 2048                 /* first read buffer; grows to the head limit */
#define HTTP_CONN_RBUF_POOL 8                   /* idle read buffers kept for reuse */
#define HTTP_CONN_SEND_BUDGET (256U * 1024U)    /* body bytes per wake-up: fairness */
#define HTTP_CONN_REQUEST_BUDGET 8              /* pipelined requests per wake-up */
#define HTTP_CONN_EPOLL_BATCH 16                /* ready connections per loop dispatch */
#define HTTP_CONN_LINGER_USEC (2 * USEC_PER_SEC)  /* reading leftovers after an error reply */
#define HTTP_CONN_LINGER_MAX (64U * 1024U)
#define HTTP_SERVER_SWEEP_USEC (250 * USEC_PER_MSEC)  /* timeout granularity */
#define HTTP_CONN_SCRATCH_SIZE (16U * 1024U)    /* head + inline error page; discard buffer */

typedef enum HttpConnState {
        HTTP_CONN_RECV_HEAD,            /* EPOLLIN; header timer (or keep-alive timer if idle) */
        HTTP_CONN_SEND_HEAD,            /* EPOLLOUT; rest of the head (and inline body) */
        HTTP_CONN_SEND_BODY,            /* EPOLLOUT; sendfile() or the memory body */
        HTTP_CONN_DISCARD_BODY,         /* EPOLLIN; request body bytes still to skip */
        HTTP_CONN_LINGER,               /* EPOLLIN; after an error reply + shutdown(SHUT_WR) */
        _HTTP_CONN_STATE_MAX,
        _HTTP_CONN_STATE_INVALID = -EINVAL,
} HttpConnState;

typedef struct HttpConn HttpConn;

/* State shared by all connections of one server. Owned by HttpServer; connections
 * borrow it for their whole life (the server frees its connections first). */
typedef struct HttpConnEnv {
        sd_event *event;
        Conf *conf;                     /* snapshot for new requests (reload swaps it) */
        int root_fd;
        MimeTable *mime;
        HttpCache *cache;               /* small files: content, stat, ETag */
        HttpCounters counters;
        MetricsHttp metrics;
        HttpDynamicFunc dynamic;
        void *dynamic_userdata;
        bool stopping;

        int epfd;                       /* epoll set of all connections */
        sd_event_source *epoll_source;  /* epfd inside the sd-event loop */
        HttpConn *conns;                /* all open connections (doubly linked) */
        size_t n_conns;
        sd_event_source *sweep;         /* periodic timeout sweep, on while n_conns > 0 */

        char *rbuf_pool[HTTP_CONN_RBUF_POOL];
        size_t n_rbuf_pool;
        char scratch[HTTP_CONN_SCRATCH_SIZE];

        usec_t date_sec;                /* second of the cached Date value */
        char date[HTTP_DATE_LEN + 1];

        void (*on_conn_closed)(void *userdata);   /* the server resumes accepting */
        void *on_conn_closed_userdata;
} HttpConnEnv;

/* A response body: nothing, bytes copied right after the head (small files from the
 * cache, error pages), an owned malloc'ed buffer, or an owned file range (sendfile). */
typedef struct HttpBody {
        const char *inline_p;           /* copied; may point anywhere until the call returns */
        size_t inline_len;
        char *mem;                      /* owned, transferred */
        size_t mem_len;
        int file_fd;                    /* owned, transferred */
        uint64_t file_off, file_len;
} HttpBody;

#define HTTP_BODY_NONE ((HttpBody) { .file_fd = -EBADF })

/* Builds the head of @resp (Server, Date and Connection are filled in here), attaches
 * @body and starts sending. Takes ownership of the body's buffer and fd in every case.
 * HEAD requests and 304 get the head only. Returns 1 when everything went out, 0 when
 * the rest waits for EPOLLOUT, or a negative errno (the caller closes). */
int http_conn_respond(HttpConn *c, HttpResponse *resp, HttpBody body);

/* An error or status page (inline HTML, or the root's 404.html for 404); for statuses
 * that leave the stream's framing in doubt (400, 408, 413, 414, 431, 5xx) it also
 * closes the connection after the reply. Returns like http_conn_respond(). */
int http_conn_respond_status(HttpConn *c, unsigned status);

/* Borrowed accessors for http_route.c. */
HttpConnEnv *http_conn_get_env(HttpConn *c);
const struct sockaddr *http_conn_get_peer(const HttpConn *c);

/* CLOCK_MONOTONIC of the current loop iteration. */
usec_t http_conn_env_now(HttpConnEnv *env);

/* Creates the connections' epoll set and registers it on env->event. env->epfd must
 * be -EBADF before. Returns 0 or a negative errno. */
int http_conn_env_init(HttpConnEnv *env);

/* Takes over the connected, non-blocking socket @fd (also on failure: it is closed),
 * registers its I/O source and adds it to @env. @peer (@peer_len bytes) is copied.
 * Returns 0, or -ENOMEM / a negative errno from sd-event. */
int http_conn_new(HttpConnEnv *env, int fd, const struct sockaddr *peer, socklen_t peer_len);

/* Closes the connection (no further I/O), frees it and tells the server. NULL-safe. */
void http_conn_free(HttpConn *c);

/* Closes every idle keep-alive connection (nothing buffered, between requests); the
 * others get "Connection: close" on their current response. Used at shutdown. */
void http_conn_env_stop(HttpConnEnv *env);

/* Frees all connections and the buffer pool (server teardown). */
void http_conn_env_done(HttpConnEnv *env);

/* Drops pooled read buffers (their size depends on the old http.max_header_size). */
void http_conn_env_flush_pool(HttpConnEnv *env);

/* The periodic timeout sweep: 408 for slow heads, closes idle and stalled connections.
 * Exposed so the server can create the timer; @userdata is the env. */
int http_conn_env_on_sweep(sd_event_source *s, uint64_t usec, void *userdata);

const char *http_conn_state_to_string(HttpConnState s);
