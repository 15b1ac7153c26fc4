/* http_conn.c — the HTTP data path of one connection, top-down: http_conn_on_io() ->
 * the handler of the current state: read -> http_parse_request() -> http_route_resolve()
 * (a reply value) -> http_conn_send_reply() (http_conn_send.c: head, then send() or
 * sendfile() of the body) -> keep-alive, body discarding, lingering close. Called by
 * http_server's epoll dispatch and sweep; calls http_parse, http_chunked, http_route,
 * http_conn_send and metrics_http_observe(); with http_conn_send.c the only code doing
 * socket I/O for HTTP. Every wake-up does a bounded amount of work so one busy client
 * never starves the echo socket or the other connections. Idle keep-alive connections
 * hold no read buffer. */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_conn.h"
#include "log.h"

/* A new request starts: it runs on the snapshot in effect now, until it is answered, even
 * if a reload swaps the server's snapshot meanwhile. */
static void conn_pin_conf(HttpConn *c) {
        if (c->conf == c->shared->conf)
                return;
        conf_unref(c->conf);
        c->conf = conf_ref(c->shared->conf);
}

static size_t head_limit(const HttpConn *c) {
        return MIN((size_t) http_conn_settings(c)->max_header_size, (size_t) HTTP_HEAD_MAX);
}

/* Between requests with nothing buffered: the connection may be closed at the global cap
 * to make room for a new one. Appended last, so the list runs oldest first. */
static void conn_idle_enter(HttpConn *c) {
        HttpConnShared *sh = c->shared;

        if (c->idle)
                return;
        c->idle = true;
        c->idle_next = NULL;
        c->idle_prev = sh->idle_last;
        if (sh->idle_last)
                sh->idle_last->idle_next = c;
        else
                sh->idle_first = c;
        sh->idle_last = c;
}

static void conn_idle_leave(HttpConn *c) {
        HttpConnShared *sh = c->shared;

        if (!c->idle)
                return;
        if (c->idle_prev)
                c->idle_prev->idle_next = c->idle_next;
        else
                sh->idle_first = c->idle_next;
        if (c->idle_next)
                c->idle_next->idle_prev = c->idle_prev;
        else
                sh->idle_last = c->idle_prev;
        c->idle_prev = c->idle_next = NULL;
        c->idle = false;
}

static int conn_rbuf_get(HttpConn *c) {
        HttpConnShared *sh = c->shared;

        if (c->rbuf)
                return 0;
        if (sh->n_rbuf_pool > 0)
                c->rbuf = sh->rbuf_pool[--sh->n_rbuf_pool];
        else {
                c->rbuf = malloc(HTTP_CONN_RBUF_MIN);
                if (!c->rbuf) {
                        sh->counters.oom++;
                        return -ENOMEM;
                }
        }
        c->rcap = HTTP_CONN_RBUF_MIN;
        c->rlen = c->rprev = 0;
        return 0;
}

/* Gives the read buffer back while the connection idles: the target is <= 1 KiB of
 * memory per idle keep-alive connection. */
static void conn_rbuf_put(HttpConn *c) {
        HttpConnShared *sh = c->shared;

        if (!c->rbuf)
                return;
        if (c->rcap == HTTP_CONN_RBUF_MIN && sh->n_rbuf_pool < HTTP_CONN_RBUF_POOL)
                sh->rbuf_pool[sh->n_rbuf_pool++] = c->rbuf;
        else
                free(c->rbuf);
        c->rbuf = NULL;
        c->rlen = c->rcap = c->rprev = 0;
}

static int conn_rbuf_grow(HttpConn *c) {
        size_t limit = head_limit(c) + 1, cap;
        char *p;

        if (c->rcap >= limit)
                return -EMSGSIZE;
        cap = MIN((size_t) c->rcap * 2, limit);
        p = realloc(c->rbuf, cap);
        if (!p) {
                c->shared->counters.oom++;
                return -ENOMEM;
        }
        c->rbuf = p;
        c->rcap = (uint32_t) cap;
        return 0;
}

static void conn_reset_response(HttpConn *c) {
        if (http_conn_wbuf_owned(c))
                free(c->wbuf);
        c->wbuf = NULL;
        c->wlen = c->woff = 0;
        free(c->mem);
        c->mem = NULL;
        c->mem_len = c->mem_off = 0;
        c->file_fd = safe_close(c->file_fd);
        c->file_off = c->file_end = 0;
}

/* The request line for the access log, control characters, quotes, backslashes and
 * 8-bit bytes escaped as \xHH so a client cannot forge log lines. */
static void conn_format_request_line(const HttpConn *c, char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        size_t n = 0, len = c->rbuf ? (c->head_len ?: c->rlen) : 0;

        for (size_t i = 0; i < len && n + 5 < size; i++) {
                unsigned char ch = c->rbuf[i];

                if (ch == '\r' || ch == '\n')
                        break;
                if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
                        buf[n++] = '\\';
                        buf[n++] = 'x';
                        buf[n++] = hex[ch >> 4];
                        buf[n++] = hex[ch & 15];
                } else
                        buf[n++] = (char) ch;
        }
        if (n == 0 && size > 1)
                buf[n++] = '-';
        buf[n] = 0;
}

static void conn_account(HttpConn *c) {
        HttpConnShared *sh = c->shared;
        /* A real clock read, not the loop's cached time: a request served within one
         * dispatch would otherwise always last 0 µs in the log and the histogram. It is
         * also where the next request of this dispatch starts. */
        usec_t end = now(CLOCK_MONOTONIC);
        usec_t dur = end - MIN(c->req_start, end);

        sh->clock_usec = end;

        sh->counters.response_bytes += c->bytes_sent;
        metrics_http_observe(&sh->metrics, c->method, c->status, dur, c->bytes_sent);

        if (http_conn_settings(c)->access_log && log_level_enabled(LOG_INFO)) {
                char peer[SOCKADDR_FORMAT_MAX], line[1024];
                /* At debug level an error line also says why (the label of the
                 * bad-request counter), so a student's 400 is explained in the log. */
                bool why = c->reason != HTTP_REASON_NONE && log_level_enabled(LOG_DEBUG);

                (void) sockaddr_format(&c->peer, peer, sizeof(peer));
                conn_format_request_line(c, line, sizeof(line));
                log_info("%s \"%s\" %u %" PRIu64 " %" PRIu64 ".%03" PRIu64 "ms%s%s", peer, line, c->status,
                         c->bytes_sent, dur / USEC_PER_MSEC, dur % USEC_PER_MSEC, why ? " reason=" : "",
                         why ? http_reason_label(c->reason) : "");
        }
}

static HttpRouteCtx conn_route_ctx(const HttpConn *c) {
        const HttpConnShared *sh = c->shared;

        return (HttpRouteCtx) {
                .conf = c->conf,
                .root_fd = sh->root_fd,
                .mime = sh->mime,
                .cache = sh->cache,
                .now_usec = sh->now_usec,
                .etag_key = sh->etag_key,
                .peer = &c->peer.sa,
                .dynamic = sh->dynamic,
                .dynamic_userdata = sh->dynamic_userdata,
        };
}

/* A status page (parser errors, 408, 413, 431, 503) through the router's one builder. */
static int conn_reply_status(HttpConn *c, HttpReason reason) {
        HttpRouteCtx ctx = conn_route_ctx(c);
        HttpReply reply;

        (void) http_route_status(&ctx, reason, &reply);
        return http_conn_send_reply(c, &reply);
}

/* A complete head is in rbuf[0..head_len): the framing of its body, then the router. */
static int conn_handle_request(HttpConn *c, const HttpRequest *req, size_t head_len) {
        const ConfHttp *h = http_conn_settings(c);
        HttpRouteCtx ctx;
        HttpReply reply;

        c->head_len = (uint32_t) head_len;
        c->method = (int8_t) req->method;
        c->minor_version = (uint8_t) req->minor_version;
        c->end = req->keep_alive ? HTTP_CONN_END_KEEP_ALIVE : HTTP_CONN_END_CLOSE;
        c->discard = req->has_content_length ? req->content_length : 0;
        c->chunked = req->chunked;
        c->chunk = (HttpChunked) {};
        c->shared->counters.requests++;

        if (c->discard > h->max_body) {
                c->discard = 0;
                return conn_reply_status(c, HTTP_REASON_BODY_TOO_LARGE);
        }
        if (c->chunked) {
                /* Check the part of a chunked body that came with the head before
                 * answering, so broken framing gets its 400 (or 413) rather than a 200
                 * followed by a silent close; the rest is checked while skipping it. */
                HttpChunked probe = {};
                size_t consumed = 0;
                int r = http_chunked_feed(&probe, c->rbuf + head_len, c->rlen - head_len, h->max_body,
                                          &consumed);

                if (r < 0)
                        return conn_reply_status(c, r == -EMSGSIZE ? HTTP_REASON_BODY_TOO_LARGE : HTTP_REASON_CHUNKED);
                c->expect_continue = req->expect_continue && r == 0;
        } else
                c->expect_continue = req->expect_continue && c->discard > c->rlen - head_len;

        ctx = conn_route_ctx(c);
        (void) http_route_resolve(&ctx, req, &reply);
        if (reply.dashboard)
                c->shared->counters.dashboard_requests++;
        return http_conn_send_reply(c, &reply);
}

/* ---- the state handlers ------------------------------------------------------------- */

/* HTTP_CONN_RECV_HEAD: reads and parses until one request is answered (returns
 * http_conn_send_reply()'s result), or the head is incomplete and the socket empty (0).
 * < 0 closes the connection. */
static int conn_recv_head(HttpConn *c) {
        HttpParseLimits limits = {
                .max_request_line = http_conn_settings(c)->max_request_line,
                .max_head = head_limit(c),
                .max_headers = http_conn_settings(c)->max_headers,
        };
        HttpRequest req;
        HttpReason why;
        ssize_t n;
        int r;

        for (;;) {
                if (c->rlen > c->rprev) {
                        r = http_parse_request(c->rbuf, c->rlen, c->rprev, &limits, &req, &why);
                        if (r > 0)
                                return conn_handle_request(c, &req, (size_t) r);
                        if (r != -EAGAIN) {
                                c->method = _HTTP_METHOD_INVALID;
                                c->shared->counters.requests++;
                                return conn_reply_status(c, why);
                        }
                        c->rprev = c->rlen;
                }

                r = conn_rbuf_get(c);
                if (r < 0)
                        return r;
                if (c->rlen == c->rcap) {
                        r = conn_rbuf_grow(c);
                        if (r < 0) {
                                /* 431, or 503 on ENOMEM: both close the connection, so
                                 * the same partial head is never parsed again. */
                                c->method = _HTTP_METHOD_INVALID;
                                return conn_reply_status(c, r == -EMSGSIZE ? HTTP_REASON_HEAD_TOO_LARGE
                                                                           : HTTP_REASON_OUT_OF_MEMORY);
                        }
                }

                if (c->drained) {
                        /* The last read was short, so the socket was empty then: don't
                         * spend a recv() on EAGAIN; level-triggered epoll reports new data. */
                        c->drained = false;
                        if (c->rlen == 0)
                                conn_rbuf_put(c);
                        http_conn_set_events(c, EPOLLIN);
                        return 0;
                }
                n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                if (c->rlen == 0)
                                        conn_rbuf_put(c);       /* idle again: no buffer held */
                                http_conn_set_events(c, EPOLLIN);
                                return 0;
                        }
                        return -errno;
                }
                if (n == 0)
                        return -ECONNRESET;     /* peer closed (mid-head or between requests) */
                if (c->rlen == 0) {
                        /* First byte of a request: it runs on the snapshot in effect now,
                         * and the header timer starts. */
                        conn_idle_leave(c);
                        conn_pin_conf(c);
                        limits = (HttpParseLimits) {
                                .max_request_line = http_conn_settings(c)->max_request_line,
                                .max_head = head_limit(c),
                                .max_headers = http_conn_settings(c)->max_headers,
                        };
                        c->req_start = http_conn_clock(c);
                        c->deadline = c->req_start + http_conn_settings(c)->header_timeout_usec;
                }
                c->drained = (size_t) n < c->rcap - c->rlen;
                c->rlen += (uint32_t) n;
        }
}

/* One recv() of request body bytes: > 0 bytes read, 0 when the socket is empty (EPOLLIN
 * is armed again), or < 0 to close (-ECONNRESET when the peer closed mid-body). */
static ssize_t conn_recv_body(HttpConn *c, void *buf, size_t len) {
        for (;;) {
                ssize_t n = recv(c->fd, buf, len, 0);

                if (n > 0)
                        return n;
                if (n == 0)
                        return -ECONNRESET;
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN) {
                        http_conn_set_events(c, EPOLLIN);
                        return 0;
                }
                return -errno;
        }
}

/* The response is out and its request's body read: the connection waits for the next
 * request, already begun if bytes of it are buffered (pipelined: its clock and header
 * timeout start now), idle otherwise. Returns 1, or -ECONNRESET at shutdown. */
static int conn_await_next(HttpConn *c) {
        const ConfHttp *h = http_conn_settings(c);

        c->state = HTTP_CONN_RECV_HEAD;
        if (c->rlen > 0) {
                c->req_start = http_conn_clock(c);
                c->deadline = c->req_start + h->header_timeout_usec;
                return 1;
        }
        conn_rbuf_put(c);
        c->deadline = http_conn_now(c) + h->keepalive_timeout_usec;
        if (c->shared->stopping)
                return -ECONNRESET;
        conn_idle_enter(c);
        return 1;
}

/* Skips a chunked body: read into rbuf, decode, keep what follows it (the next
 * request). Returns 1 when done, 0 when waiting, < 0 to close. */
static int conn_discard_chunked(HttpConn *c) {
        int r;

        for (;;) {
                size_t consumed = 0;
                ssize_t n;

                r = conn_rbuf_get(c);
                if (r < 0)
                        return r;
                if (c->rlen > 0) {
                        r = http_chunked_feed(&c->chunk, c->rbuf, c->rlen, http_conn_settings(c)->max_body,
                                              &consumed);
                        if (r < 0)
                                return r;       /* framing broken or too large: close */
                        memmove(c->rbuf, c->rbuf + consumed, c->rlen - consumed);
                        c->rlen -= (uint32_t) consumed;
                        c->rprev = 0;
                        if (r > 0) {
                                c->chunked = false;
                                return 1;
                        }
                }
                n = conn_recv_body(c, c->rbuf + c->rlen, c->rcap - c->rlen);
                if (n <= 0)
                        return (int) n;
                c->rlen += (uint32_t) n;
        }
}

/* HTTP_CONN_DISCARD_BODY: skips the body of a request already answered, then waits for
 * the next one. Returns 1 when done (state is RECV_HEAD), 0 when waiting, < 0 to close. */
static int conn_discard(HttpConn *c) {
        HttpConnShared *sh = c->shared;
        int r = 1;

        if (c->chunked)
                r = conn_discard_chunked(c);
        else
                while (c->discard > 0) {
                        ssize_t n = conn_recv_body(c, sh->scratch, (size_t) MIN(c->discard, (uint64_t) sizeof(sh->scratch)));

                        if (n <= 0)
                                return (int) n;
                        c->discard -= (uint64_t) n;
                }
        if (r <= 0)
                return r;

        return conn_await_next(c);
}

static void conn_start_linger(HttpConn *c) {
        (void) shutdown(c->fd, SHUT_WR);
        c->state = HTTP_CONN_LINGER;
        c->discard = HTTP_CONN_LINGER_MAX;
        c->deadline = http_conn_now(c) + HTTP_CONN_LINGER_USEC;
        conn_rbuf_put(c);
        http_conn_set_events(c, EPOLLIN);
}

/* The response is out: log it, then keep-alive (the next pipelined head may already be
 * in rbuf) or close. Returns 1 to go on reading, 0 when lingering, < 0 to close. */
static int conn_finish_response(HttpConn *c) {
        const ConfHttp *h = http_conn_settings(c);
        size_t used, body;

        conn_account(c);
        conn_reset_response(c);
        c->served = true;
        c->reason = HTTP_REASON_NONE;

        used = MIN((size_t) c->head_len, (size_t) c->rlen);
        body = (size_t) MIN(c->discard, (uint64_t) (c->rlen - used));
        used += body;
        c->discard -= body;
        if (c->chunked && c->rbuf) {
                size_t consumed = 0;
                int r = http_chunked_feed(&c->chunk, c->rbuf + used, c->rlen - used, h->max_body, &consumed);

                used += consumed;
                if (r < 0)
                        http_conn_end_at_least(c, HTTP_CONN_END_LINGER);     /* cannot find the next request */
                else if (r > 0)
                        c->chunked = false;
        }

        if (c->end != HTTP_CONN_END_KEEP_ALIVE) {
                if (c->end == HTTP_CONN_END_LINGER || c->discard > 0 || c->chunked || c->rlen > used) {
                        conn_start_linger(c);
                        return 0;
                }
                return -ECONNRESET;
        }

        if (!c->nodelay) {
                /* Kept alive: the next response may follow this one before its ACK, and
                 * Nagle would hold it back. Set lazily, as nginx does, so one-request
                 * connections skip the syscall. */
                int one = 1;

                (void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                c->nodelay = true;
        }

        if (c->rbuf) {
                memmove(c->rbuf, c->rbuf + used, c->rlen - used);
                c->rlen -= (uint32_t) used;
                c->rprev = 0;
        }
        c->head_len = 0;
        c->method = _HTTP_METHOD_INVALID;
        c->status = 0;

        /* The request is answered: the next one (pipelined, or after the body) runs on the
         * snapshot in effect now. */
        conn_pin_conf(c);
        h = http_conn_settings(c);

        if (c->discard > 0 || c->chunked) {
                c->state = HTTP_CONN_DISCARD_BODY;
                c->deadline = http_conn_now(c) + h->header_timeout_usec;
                return 1;
        }

        return conn_await_next(c);
}

/* HTTP_CONN_SEND_HEAD, HTTP_CONN_SEND_BODY: moves the response forward; once it is out,
 * finishes it. Returns 1 to go on (state RECV_HEAD or DISCARD_BODY), 0 when waiting or
 * lingering, < 0 to close. */
static int conn_send_response(HttpConn *c) {
        int r;

        r = http_conn_send_step(c);
        if (r <= 0)
                return r;
        return conn_finish_response(c);
}

/* HTTP_CONN_LINGER: reads and drops what the peer still sends, up to a bound, until it
 * closes. Returns 0 when waiting, < 0 to close. */
static int conn_linger(HttpConn *c) {
        HttpConnShared *sh = c->shared;

        for (;;) {
                ssize_t n = recv(c->fd, sh->scratch, sizeof(sh->scratch), 0);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return -errno;
                }
                if (n == 0 || (uint64_t) n >= c->discard)
                        return -ECONNRESET;
                c->discard -= (uint64_t) n;
        }
}

/* HTTP_CONN_RECV_HEAD under the per-wake-up request budget. */
static int conn_on_recv_head(HttpConn *c) {
        int r;

        r = conn_recv_head(c);
        if (r <= 0)
                return r;
        /* The response went out right away. */
        return conn_finish_response(c);
}

typedef int (*ConnHandler)(HttpConn *c);

/* One handler per state. Each returns 1 when the connection moved on and there may be
 * more to do now, 0 when it waits for the next readiness event, < 0 to close. */
static const ConnHandler handlers[_HTTP_CONN_STATE_MAX] = {
        [HTTP_CONN_RECV_HEAD] = conn_on_recv_head,
        [HTTP_CONN_SEND_HEAD] = conn_send_response,
        [HTTP_CONN_SEND_BODY] = conn_send_response,
        [HTTP_CONN_DISCARD_BODY] = conn_discard,
        [HTTP_CONN_LINGER] = conn_linger,
};

int http_conn_on_io(HttpConn *c, uint32_t revents) {
        unsigned requests = 0;

        assert(c);
        assert(c->state >= 0 && c->state < _HTTP_CONN_STATE_MAX);

        if (revents & EPOLLERR)
                return -ECONNRESET;

        for (;;) {
                int r;

                if (c->state == HTTP_CONN_RECV_HEAD && requests++ >= HTTP_CONN_REQUEST_BUDGET) {
                        /* More pipelined requests wait: EPOLLOUT fires on the next
                         * iteration, after everybody else had a turn. */
                        http_conn_set_events(c, EPOLLIN | EPOLLOUT);
                        return 0;
                }
                r = handlers[c->state](c);
                if (r <= 0)
                        return r;
        }
}

static HttpTimeoutKind conn_timeout_kind(const HttpConn *c, usec_t now_usec) {
        switch (c->state) {
        case HTTP_CONN_RECV_HEAD:
                return c->rlen == 0 ? HTTP_TIMEOUT_IDLE : HTTP_TIMEOUT_HEADER;
        case HTTP_CONN_DISCARD_BODY:
                return HTTP_TIMEOUT_BODY;
        case HTTP_CONN_SEND_HEAD:
        case HTTP_CONN_SEND_BODY:
                return now_usec >= c->send_end ? HTTP_TIMEOUT_LIFETIME : HTTP_TIMEOUT_SEND;
        default:
                return HTTP_TIMEOUT_LINGER;
        }
}

int http_conn_check_timeout(HttpConn *c, usec_t now_usec) {
        HttpTimeoutKind kind;
        int r;

        assert(c);

        if (now_usec < c->deadline)
                return 0;

        kind = conn_timeout_kind(c, now_usec);
        c->shared->counters.timeouts++;
        c->shared->counters.timeouts_by_kind[kind]++;
        if (kind == HTTP_TIMEOUT_SEND || kind == HTTP_TIMEOUT_LIFETIME) {
                /* A reader that stalled: reset instead of a FIN queued behind megabytes
                 * it will not read, so the kernel frees the send buffer now too (nginx's
                 * reset_timedout_connection). */
                struct linger l = { .l_onoff = 1, .l_linger = 0 };

                (void) setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
        }
        if (kind != HTTP_TIMEOUT_HEADER)
                return -ETIMEDOUT;

        /* Slow head (slowloris): 408, then close. */
        c->method = _HTTP_METHOD_INVALID;
        r = conn_reply_status(c, HTTP_REASON_HEADER_TIMEOUT);
        if (r > 0)
                r = conn_finish_response(c);
        return MIN(r, 0);
}

int http_conn_stop(HttpConn *c) {
        assert(c);

        if (c->state == HTTP_CONN_RECV_HEAD && c->rlen == 0)
                return -ECONNRESET;
        http_conn_end_at_least(c, HTTP_CONN_END_CLOSE);
        return 0;
}

void http_conn_refuse(HttpConnShared *shared, int fd, HttpReason reason) {
        HttpRouteCtx ctx = { .conf = shared->conf, .root_fd = -EBADF, .mime = shared->mime };
        char *buf = shared->scratch;
        HttpReply reply;
        int n;

        assert(shared);

        /* Unread bytes at close() turn the FIN into a RST, and the peer's kernel would
         * drop the page with it. */
        for (int i = 0; i < 4; i++)
                if (recv(fd, buf, sizeof(shared->scratch), MSG_DONTWAIT) <= 0)
                        break;

        (void) http_route_status(&ctx, reason, &reply);
        reply.head.server = shared->conf->http.server_header;
        reply.head.date = shared->date;
        reply.head.keep_alive = false;
        n = http_response_head(&reply.head, buf, sizeof(shared->scratch));
        if (n > 0 && reply.data_len <= sizeof(shared->scratch) - (size_t) n) {
                memcpy(buf + n, reply.data, reply.data_len);
                (void) send(fd, buf, (size_t) n + reply.data_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        http_reply_done(&reply);
        (void) shutdown(fd, SHUT_WR);
        safe_close(fd);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

int http_conn_new(HttpConnShared *shared, int fd, const struct sockaddr *peer, socklen_t peer_len,
                  HttpConn **ret) {
        HttpConn *c;

        assert(shared);
        assert(shared->conf);
        assert(ret);

        c = calloc(1, sizeof(HttpConn));
        if (!c) {
                safe_close(fd);
                return -ENOMEM;
        }
        c->shared = shared;
        c->conf = conf_ref(shared->conf);
        c->fd = fd;
        c->file_fd = -EBADF;
        c->method = _HTTP_METHOD_INVALID;
        c->state = HTTP_CONN_RECV_HEAD;
        c->events = 0; /* not in the epoll set until it has to wait (http_conn_set_events) */
        if (peer && peer_len > 0)
                memcpy(&c->peer, peer, MIN((size_t) peer_len, sizeof(c->peer)));
        c->req_start = http_conn_clock(c);
        c->deadline = c->req_start + http_conn_settings(c)->header_timeout_usec;

        *ret = c;
        return 0;
}

HttpConn *http_conn_free(HttpConn *c) {
        if (!c)
                return NULL;

        conn_idle_leave(c);
        conn_reset_response(c);
        conn_rbuf_put(c);
        safe_close(c->fd);
        conf_unref(c->conf);
        free(c);
        return NULL;
}
