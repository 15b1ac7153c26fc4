/* http_conn.h — one HTTP/1.1 connection: an explicit state machine driven by the
 * server's epoll dispatch (darkhttpd's RECV_REQUEST -> SEND_HEADER -> SEND_REPLY ->
 * DONE), with keep-alive, pipelining, request-body discarding, lingering close and
 * sendfile(). The only HTTP module that reads from and writes to sockets: http_conn.c
 * holds the state machine, http_conn_send.c the sending of replies. Connections borrow one HttpConnShared from the HttpServer that
 * owns them; they never free themselves: a negative return tells the owner to call
 * http_conn_free(). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "conf.h"
#include "counters.h"
#include "http_cache.h"
#include "http_chunked.h"
#include "http_parse.h"
#include "http_response.h"
#include "http_route.h"
#include "metrics.h"
#include "mime.h"
#include "sockaddr.h"

#define HTTP_CONN_RBUF_MIN 2048                 /* first read buffer; grows to the head limit */
#define HTTP_CONN_RBUF_POOL 8                   /* idle read buffers kept for reuse */
/* Body bytes per wake-up, for fairness: a 64 MiB download at 256 KiB went back to the loop
 * (two epoll_wait()s) 256 times with the socket still writable; nginx sends 2 MiB
 * (sendfile_max_chunk). 1 MiB is about 0.3 ms of loopback copying. All connections of one
 * dispatch share HTTP_CONN_DISPATCH_SEND_BUDGET (HttpConnShared.send_budget), so 16 large
 * downloads ready at once still let the echo socket in after about 0.6 ms. */
#define HTTP_CONN_SEND_BUDGET (1024U * 1024U)
#define HTTP_CONN_DISPATCH_SEND_BUDGET (2U * 1024U * 1024U)
#define HTTP_CONN_REQUEST_BUDGET 8              /* pipelined requests per wake-up */
#define HTTP_CONN_LINGER_USEC (2 * USEC_PER_SEC)  /* reading leftovers after an error reply */
#define HTTP_CONN_LINGER_MAX (64U * 1024U)
#define HTTP_CONN_SCRATCH_SIZE (16U * 1024U)    /* head + inline body; discard buffer */

typedef enum HttpConnState {
        HTTP_CONN_RECV_HEAD,            /* EPOLLIN; header timer (or keep-alive timer if idle) */
        HTTP_CONN_SEND_HEAD,            /* EPOLLOUT; rest of the head (and inline body) */
        HTTP_CONN_SEND_BODY,            /* EPOLLOUT; sendfile() or the memory body */
        HTTP_CONN_DISCARD_BODY,         /* EPOLLIN; request body bytes still to skip */
        HTTP_CONN_LINGER,               /* EPOLLIN; after an error reply + shutdown(SHUT_WR) */
        _HTTP_CONN_STATE_MAX,
        _HTTP_CONN_STATE_INVALID = -EINVAL,
} HttpConnState;

/* What all connections of one server share. Owned by HttpServer (http_server.c creates,
 * refreshes and frees it, including the pooled read buffers); every connection borrows
 * it for its whole life. */
typedef struct HttpConnShared {
        Conf *conf;                     /* snapshot for requests that start now */
        int epfd;                       /* the server's epoll set; a connection changes its own mask */
        int root_fd;
        MimeTable *mime;
        HttpCache *cache;               /* small files: content, stat, ETag */
        HttpDynamicFunc dynamic;
        void *dynamic_userdata;
        HttpCounters counters;
        MetricsHttp metrics;
        bool stopping;                  /* shutdown: no keep-alive */
        usec_t now_usec;                /* CLOCK_MONOTONIC of this loop iteration */
        /* The latest real CLOCK_MONOTONIC read of this dispatch (the iteration's time at
         * its start, then each finished request's end): where the next request's clock
         * starts, so a request costs one clock read, not two. */
        usec_t clock_usec;
        size_t send_budget;             /* body bytes left for this dispatch (the server resets it) */
        uint8_t etag_key[HTTP_SERVE_ETAG_KEY_SIZE];     /* http_serve_etag() */
        /* Idle keep-alive connections (answered at least one request, nothing buffered),
         * oldest first: http_conn.c links and unlinks them, the server closes the first
         * at max_connections to make room (as nginx and lighttpd reuse idle slots). */
        struct HttpConn *idle_first, *idle_last;
        char date[HTTP_DATE_LEN + 1];   /* Date: value of this second */
        char *rbuf_pool[HTTP_CONN_RBUF_POOL];   /* HTTP_CONN_RBUF_MIN bytes each */
        size_t n_rbuf_pool;
        char scratch[HTTP_CONN_SCRATCH_SIZE];   /* valid only until a handler returns */
} HttpConnShared;

/* How the connection ends after the current response; only ever moves up. */
typedef enum HttpConnEnd {
        HTTP_CONN_END_KEEP_ALIVE,       /* read the next request */
        HTTP_CONN_END_CLOSE,            /* close (lingering only if unread bytes remain) */
        HTTP_CONN_END_LINGER,           /* shutdown(SHUT_WR), drain, then close */
        _HTTP_CONN_END_MAX,
        _HTTP_CONN_END_INVALID = -EINVAL,
} HttpConnEnd;

/* One connection. The fields belong to http_conn.c, except @prev/@next, @peer_key and
 * @peer_counted: the owning server's list and per-source count. */
typedef struct HttpConn {
        HttpConnShared *shared;         /* borrowed */
        struct HttpConn *prev, *next;
        struct HttpConn *idle_prev, *idle_next; /* shared->idle_first list, while @idle */
        bool idle;
        bool served;                    /* at least one response went out */
        bool peer_counted;              /* counted in the server's per-source table */
        uint8_t peer_key[16];           /* v4-mapped peer address (sockaddr_v4mapped()) */
        Conf *conf;                     /* pinned snapshot of the current request (conf_ref) */
        int fd;
        HttpConnState state;
        HttpConnEnd end;
        uint32_t events;                /* epoll mask currently set */
        bool drained;                   /* last recv() was short: the socket is empty */
        bool nodelay;                   /* TCP_NODELAY set */
        bool expect_continue;           /* "Expect: 100-continue" and the body is not here yet */
        bool chunked;                   /* a chunked request body still to skip */
        int8_t method;                  /* HttpMethod, _HTTP_METHOD_INVALID if unparsed */
        uint8_t minor_version;          /* of the request being answered */
        uint16_t status;
        int8_t reason;                  /* HttpReason of the current response */

        char *rbuf;                     /* request bytes; NULL while idle */
        uint32_t rlen, rcap, rprev;
        uint32_t head_len;              /* bytes of rbuf holding the head being answered */

        char *wbuf;                     /* head (+ inline body) not yet written: shared scratch
                                         * while in a handler, else malloc'ed */
        uint32_t wlen, woff;
        char *mem;                      /* owned memory body (autoindex, dynamic) */
        size_t mem_len, mem_off;
        int file_fd;                    /* file body: [file_off, file_end) */
        uint64_t file_off, file_end;

        uint64_t discard;               /* request body bytes still to skip (or linger budget) */
        HttpChunked chunk;
        uint64_t bytes_sent;            /* for this response: head + body */
        usec_t deadline;                /* CLOCK_MONOTONIC; checked by the sweep */
        usec_t send_end;                /* the response must be out by then (min_send_rate) */
        usec_t req_start;

        SockAddr peer;
} HttpConn;

/* ---- for the module's own two files, http_conn.c and http_conn_send.c ---------------- */

/* CLOCK_MONOTONIC of this loop iteration (the server's cached time). */
static inline usec_t http_conn_now(const HttpConn *c) {
        return c->shared->now_usec;
}

/* Where a request that starts now starts: no clock read (see HttpConnShared.clock_usec). */
static inline usec_t http_conn_clock(const HttpConn *c) {
        return c->shared->clock_usec;
}

/* The HTTP settings of the snapshot the current request runs on. */
static inline const ConfHttp *http_conn_settings(const HttpConn *c) {
        return &c->conf->http;
}

/* How the connection ends only ever moves up (keep-alive -> close -> linger). */
static inline void http_conn_end_at_least(HttpConn *c, HttpConnEnd end) {
        if (c->end < end)
                c->end = end;
}

/* Sets the epoll interest of the connection's fd in the server's set. A new connection
 * joins the set only here, the first time it has to wait (events 0 = not in the set):
 * one answered at once and closed never costs an epoll_ctl(). A failed epoll_ctl()
 * keeps the old mask and is retried on the next change; one that never joined is
 * closed by the timeout sweep at its deadline. */
static inline void http_conn_set_events(HttpConn *c, uint32_t events) {
        if (c->events == events)
                return;
        struct epoll_event ev = { .events = events, .data.ptr = c };

        if (epoll_ctl(c->shared->epfd, c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev) >= 0)
                c->events = events;
}

/* True when the unsent head lives in its own allocation rather than in the shared
 * scratch buffer (which is valid only until the handler returns). */
static inline bool http_conn_wbuf_owned(const HttpConn *c) {
        return c->wbuf && c->wbuf != c->shared->scratch;
}

/* The send half, in http_conn_send.c (the module's second file, which has no header of
 * its own so that the two files include one way only: http_conn_send.c -> http_conn.h). */

/* Builds the head of @reply (Server, Date and Connection are filled in here; a
 * "100 Continue" goes first when the client waits for one and the connection is kept),
 * takes its body (the owned memory and fd move to the connection in every case, also on
 * failure) and starts sending; HEAD requests and 304 get the head only. Counts the
 * response class, bad requests by reason and OOM in shared->counters. @c must be in
 * RECV_HEAD or DISCARD_BODY; it leaves in SEND_HEAD or SEND_BODY. Returns 1 when the
 * whole response is out, 0 when waiting for EPOLLOUT, or a negative errno to close
 * (-ENOMEM, a head that does not fit, a socket error). */
int http_conn_send_reply(HttpConn *c, HttpReply *reply);

/* Moves the response of @c (SEND_HEAD or SEND_BODY) forward as far as the socket takes
 * it, at most HTTP_CONN_SEND_BUDGET file bytes per call, and renews the send deadline on
 * progress. Returns 1 when the response is complete, 0 when waiting for EPOLLOUT (the
 * unsent part of the head is copied out of the scratch buffer first), or a negative
 * errno to close (-ENOMEM, -EIO when the file shrank, a socket error). */
int http_conn_send_step(HttpConn *c);

/* ---- the module's interface ------------------------------------------------------------ */

/* Takes over the connected, non-blocking socket @fd (also on failure: it is closed) and
 * pins shared->conf. @peer (@peer_len bytes) is copied. The connection is not in the
 * epoll set yet: the caller runs http_conn_on_io(c, EPOLLIN) at once, which adds it
 * (http_conn_set_events) when it has to wait; events still 0 after a return of 0 means
 * that failed, and the caller closes it. The caller links it into its list. Returns 0
 * with *ret, or -ENOMEM. */
int http_conn_new(HttpConnShared *shared, int fd, const struct sockaddr *peer, socklen_t peer_len,
                  HttpConn **ret);

/* Closes the socket and frees the connection with its buffers, body and pinned Conf.
 * The caller unlinks it from its list first. NULL-safe; returns NULL. */
HttpConn *http_conn_free(HttpConn *c);

/* One readiness event (@revents from epoll): a bounded amount of work, then back to the
 * loop. Returns 0 to keep the connection, or a negative errno when it must be freed
 * (peer closed, error, done without keep-alive). Per-client problems are never
 * returned as anything else. */
int http_conn_on_io(HttpConn *c, uint32_t revents);

/* The sweep's check at CLOCK_MONOTONIC @now_usec: nothing before the deadline; after it,
 * a 408 for a slow head (then lingering), otherwise the connection is done. Counts the
 * timeout by kind (HttpTimeoutKind): idle, header, body, send (no progress within
 * send_timeout), lifetime (the response did not average http.min_send_rate: it had
 * send_timeout + size / min_send_rate in all), linger. Returns 0 to keep, or a negative
 * errno to free it. */
int http_conn_check_timeout(HttpConn *c, usec_t now_usec);

/* Answers a connection the server does not take (@reason: HTTP_REASON_PER_SOURCE) and
 * closes @fd (owned): reads what already arrived without blocking (so close() sends a
 * FIN after the page, not a RST that would discard it), writes the status page with
 * "Connection: close" if the socket takes it at once, and closes. Never blocks, never
 * fails: the page is best effort. */
void http_conn_refuse(HttpConnShared *shared, int fd, HttpReason reason);

/* Shutdown: an idle keep-alive connection (nothing buffered, between requests) is done
 * (returns -ECONNRESET: free it); any other gets "Connection: close" on its current
 * response (returns 0). */
int http_conn_stop(HttpConn *c);
