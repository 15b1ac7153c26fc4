/* http_conn.c — the HTTP data path, top-down: http_conn_on_io() -> read ->
 * http_parse_request() -> conn_serve() (http_serve_* decisions, openat2) ->
 * http_response_head() -> send the head (MSG_MORE) -> sendfile() the body -> keep-alive
 * or close. One explicit state per connection; every wake-up does a bounded amount of
 * work so one busy client never starves the echo socket or the other connections.
 * Idle keep-alive connections hold no read buffer. */

#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "http_conn.h"
#include "http_parse.h"
#include "http_route.h"
#include "http_fs.h"
#include "http_serve.h"
#include "log.h"

struct HttpConn {
        HttpConnEnv *env;
        HttpConn *prev, *next;
        int fd;
        HttpConnState state;
        uint32_t events;                /* epoll mask currently set */
        bool keep_alive;                /* for the response being sent */
        bool linger;                    /* close via shutdown + drain, not right away */
        bool wbuf_owned;                /* wbuf is malloc'ed (else env->scratch) */
        bool drained;                   /* last recv() was short: the socket is empty */
        bool nodelay;                   /* TCP_NODELAY set */
        bool expect_continue;           /* "Expect: 100-continue" and the body is not here yet */
        int8_t method;                  /* HttpMethod, -1 if the request line did not parse */
        uint8_t minor_version;          /* of the request being answered */
        uint16_t status;

        char *rbuf;                     /* request bytes; NULL while idle */
        uint32_t rlen, rcap, rprev;
        uint32_t head_len;              /* bytes of rbuf holding the head being answered */

        char *wbuf;                     /* head (+ inline body) not yet written */
        uint32_t wlen, woff;
        char *mem;                      /* owned memory body (autoindex, dynamic) */
        size_t mem_len, mem_off;
        int file_fd;                    /* file body: [file_off, file_end) */
        uint64_t file_off, file_end;

        uint64_t discard;               /* request body bytes still to skip */
        bool chunked;                   /* a chunked request body still to skip */
        HttpChunkState chunk;
        uint64_t bytes_sent;            /* for this response: head + body */
        usec_t deadline;                /* CLOCK_MONOTONIC; checked by the sweep */
        usec_t req_start;

        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } peer;
};

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static const char *const state_names[_HTTP_CONN_STATE_MAX] = {
        [HTTP_CONN_RECV_HEAD] = "recv-head",       [HTTP_CONN_SEND_HEAD] = "send-head",
        [HTTP_CONN_SEND_BODY] = "send-body",       [HTTP_CONN_DISCARD_BODY] = "discard-body",
        [HTTP_CONN_LINGER] = "linger",
};

HttpConnEnv *http_conn_get_env(HttpConn *c) {
        return c->env;
}

const struct sockaddr *http_conn_get_peer(const HttpConn *c) {
        return &c->peer.sa;
}

const char *http_conn_state_to_string(HttpConnState s) {
        return s >= 0 && s < _HTTP_CONN_STATE_MAX ? state_names[s] : NULL;
}

usec_t http_conn_env_now(HttpConnEnv *env) {
        uint64_t t;

        if (sd_event_now(env->event, CLOCK_MONOTONIC, &t) < 0)
                return now(CLOCK_MONOTONIC);
        return t;
}

/* The Date value changes once per second: format it once per second. */
static const char *env_date(HttpConnEnv *env) {
        uint64_t t;

        if (sd_event_now(env->event, CLOCK_REALTIME, &t) < 0)
                t = now(CLOCK_REALTIME);
        if (t / USEC_PER_SEC != env->date_sec || env->date[0] == 0) {
                env->date_sec = t / USEC_PER_SEC;
                (void) http_response_format_date(t, env->date);
        }
        return env->date;
}

static size_t head_limit(const HttpConnEnv *env) {
        return MIN((size_t) env->conf->http.max_header_size, (size_t) HTTP_HEAD_MAX);
}

static void conn_set_events(HttpConn *c, uint32_t events) {
        if (c->events == events)
                return;
        struct epoll_event ev = { .events = events, .data.ptr = c };

        if (epoll_ctl(c->env->epfd, EPOLL_CTL_MOD, c->fd, &ev) >= 0)
                c->events = events;
}

static int conn_rbuf_get(HttpConn *c) {
        HttpConnEnv *env = c->env;

        if (c->rbuf)
                return 0;
        if (env->n_rbuf_pool > 0)
                c->rbuf = env->rbuf_pool[--env->n_rbuf_pool];
        else {
                c->rbuf = malloc(HTTP_CONN_RBUF_MIN);
                if (!c->rbuf)
                        return -ENOMEM;
        }
        c->rcap = HTTP_CONN_RBUF_MIN;
        c->rlen = c->rprev = 0;
        return 0;
}

/* Gives the read buffer back while the connection idles: the target is <= 1 KiB of
 * memory per idle keep-alive connection. */
static void conn_rbuf_put(HttpConn *c) {
        HttpConnEnv *env = c->env;

        if (!c->rbuf)
                return;
        if (c->rcap == HTTP_CONN_RBUF_MIN && env->n_rbuf_pool < HTTP_CONN_RBUF_POOL)
                env->rbuf_pool[env->n_rbuf_pool++] = c->rbuf;
        else
                free(c->rbuf);
        c->rbuf = NULL;
        c->rlen = c->rcap = c->rprev = 0;
}

static int conn_rbuf_grow(HttpConn *c) {
        size_t limit = head_limit(c->env) + 1, cap;
        char *p;

        if (c->rcap >= limit)
                return -EMSGSIZE;
        cap = MIN((size_t) c->rcap * 2, limit);
        p = realloc(c->rbuf, cap);
        if (!p)
                return -ENOMEM;
        c->rbuf = p;
        c->rcap = (uint32_t) cap;
        return 0;
}

static void conn_reset_response(HttpConn *c) {
        if (c->wbuf_owned)
                free(c->wbuf);
        c->wbuf = NULL;
        c->wbuf_owned = false;
        c->wlen = c->woff = 0;
        c->mem = mfree(c->mem);
        c->mem_len = c->mem_off = 0;
        c->file_fd = safe_close(c->file_fd);
        c->file_off = c->file_end = 0;
}

static void conn_format_peer(const HttpConn *c, char *buf, size_t size) {
        char a[INET6_ADDRSTRLEN] = "?";

        if (c->peer.sa.sa_family == AF_INET) {
                (void) inet_ntop(AF_INET, &c->peer.in.sin_addr, a, sizeof(a));
                (void) snprintf(buf, size, "%s:%u", a, ntohs(c->peer.in.sin_port));
        } else if (c->peer.sa.sa_family == AF_INET6) {
                (void) inet_ntop(AF_INET6, &c->peer.in6.sin6_addr, a, sizeof(a));
                (void) snprintf(buf, size, "[%s]:%u", a, ntohs(c->peer.in6.sin6_port));
        } else
                (void) snprintf(buf, size, "?");
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
        HttpConnEnv *env = c->env;
        /* A real clock read, not the loop's cached time: a request served within one
         * dispatch would otherwise always last 0 µs in the log and the histogram. */
        usec_t dur = now(CLOCK_MONOTONIC) - c->req_start;

        env->counters.response_bytes += c->bytes_sent;
        metrics_http_observe(&env->metrics, c->method, c->status, dur, c->bytes_sent);

        if (env->conf->http.access_log && log_level_enabled(LOG_INFO)) {
                char peer[INET6_ADDRSTRLEN + 16], line[1024];

                conn_format_peer(c, peer, sizeof(peer));
                conn_format_request_line(c, line, sizeof(line));
                log_info("%s \"%s\" %u %" PRIu64 " %" PRIu64 ".%03" PRIu64 "ms", peer, line, c->status,
                         c->bytes_sent, dur / USEC_PER_MSEC, dur % USEC_PER_MSEC);
        }
}

/* ---- sending ------------------------------------------------------------------------ */

static int conn_finish_response(HttpConn *c);

/* Moves the response forward as far as the socket takes it, within the budget.
 * Returns 1 when the response is complete, 0 when waiting for EPOLLOUT, < 0 to close. */
static int conn_send(HttpConn *c) {
        size_t budget = HTTP_CONN_SEND_BUDGET;
        ssize_t n;

        while (c->state == HTTP_CONN_SEND_HEAD) {
                size_t head_left = c->wlen - c->woff;
                bool more_body = c->file_fd >= 0 && c->file_off < c->file_end;

                if (c->mem && c->mem_off < c->mem_len) {
                        struct iovec iov[2] = {
                                { c->wbuf + c->woff, head_left },
                                { c->mem + c->mem_off, c->mem_len - c->mem_off },
                        };
                        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

                        n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
                } else
                        /* MSG_MORE: the head waits for the first sendfile() pages, so a small
                         * file leaves in the same segment as its head. */
                        n = send(c->fd, c->wbuf + c->woff, head_left, MSG_NOSIGNAL | (more_body ? MSG_MORE : 0));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                goto wait;
                        return -errno;
                }
                c->bytes_sent += (uint64_t) n;
                c->deadline = http_conn_env_now(c->env) + c->env->conf->http.send_timeout_usec;
                if ((size_t) n < head_left) {
                        c->woff += (uint32_t) n;
                        continue;
                }
                c->mem_off += (size_t) n - head_left;
                c->woff = c->wlen;
                c->state = HTTP_CONN_SEND_BODY;
        }

        while (c->state == HTTP_CONN_SEND_BODY) {
                if (c->mem && c->mem_off < c->mem_len) {
                        n = send(c->fd, c->mem + c->mem_off, c->mem_len - c->mem_off, MSG_NOSIGNAL);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                if (errno == EAGAIN)
                                        goto wait;
                                return -errno;
                        }
                        c->mem_off += (size_t) n;
                } else if (c->file_fd >= 0 && c->file_off < c->file_end) {
                        off_t off = (off_t) c->file_off;
                        size_t want = (size_t) MIN(c->file_end - c->file_off, (uint64_t) budget);

                        if (budget == 0) {
                                /* Fairness: let the loop run; level-triggered EPOLLOUT
                                 * brings us back right away if the socket is writable. */
                                conn_set_events(c, EPOLLOUT);
                                return 0;
                        }
                        n = sendfile(c->fd, c->file_fd, &off, want);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                if (errno == EAGAIN)
                                        goto wait;
                                return -errno;
                        }
                        if (n == 0)
                                return -EIO;    /* the file shrank under us: length would lie */
                        c->file_off = (uint64_t) off;
                        budget -= MIN(budget, (size_t) n);
                } else
                        return 1;
                c->bytes_sent += (uint64_t) n;
                c->deadline = http_conn_env_now(c->env) + c->env->conf->http.send_timeout_usec;
        }
        return 1;

wait:
        /* The head lives in env->scratch only until we return: keep what is left. */
        if (c->state == HTTP_CONN_SEND_HEAD && !c->wbuf_owned) {
                char *p = malloc(c->wlen - c->woff);

                if (!p)
                        return -ENOMEM;
                memcpy(p, c->wbuf + c->woff, c->wlen - c->woff);
                c->wbuf = p;
                c->wlen -= c->woff;
                c->woff = 0;
                c->wbuf_owned = true;
        }
        conn_set_events(c, EPOLLOUT);
        return 0;
}


/* Builds the head of @resp, attaches @body and starts sending. Takes ownership of the
 * body's memory and fd in every case. Returns like conn_send(). */
int http_conn_respond(HttpConn *c, HttpResponse *resp, HttpBody body) {
        HttpConnEnv *env = c->env;
        size_t pre = 0;
        int n;

        assert(c->state == HTTP_CONN_RECV_HEAD || c->state == HTTP_CONN_DISCARD_BODY);

        if (env->stopping)
                c->keep_alive = false;
        if (c->expect_continue && resp->status >= 400) {
                /* An error: no point in asking for a body we would throw away; the
                 * client learns from "Connection: close" not to send it. */
                c->keep_alive = false;
                c->linger = true;
        }
        resp->server = env->conf->http.server_header;
        resp->date = env_date(env);
        resp->keep_alive = c->keep_alive;
        resp->http10 = c->method >= 0 && c->minor_version == 0;

        /* RFC 9110 §10.1.1: the client holds the body back until it sees 100 (Continue)
         * or a final status. When we keep the connection we read the body (to skip
         * it), so ask for it; when we close, the final status alone tells the client
         * not to send it. */
        if (c->expect_continue && c->keep_alive) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

                pre = sizeof(cont) - 1;
                memcpy(env->scratch, cont, pre);
        }
        c->expect_continue = false;

        n = http_response_head(resp, env->scratch + pre, sizeof(env->scratch) - pre);
        if (n >= 0)
                n += (int) pre;
        if (n < 0) {
                free(body.mem);
                safe_close(body.file_fd);
                return n;
        }

        c->status = (uint16_t) resp->status;
        env->counters.responses_by_class[resp->status / 100 % 6]++;

        if (c->method == HTTP_METHOD_HEAD || resp->status == 304) {
                /* RFC 9110 §9.3.2: same head as GET, no content. */
                body.mem = mfree(body.mem);
                body.file_fd = safe_close(body.file_fd);
                body.inline_len = 0;
        } else if (body.inline_len > 0) {
                size_t l = MIN(body.inline_len, sizeof(env->scratch) - (size_t) n);

                memcpy(env->scratch + n, body.inline_p, l);
                n += (int) l;
        }

        c->wbuf = env->scratch;
        c->wbuf_owned = false;
        c->wlen = (uint32_t) n;
        c->woff = 0;
        c->mem = body.mem;
        c->mem_len = body.mem ? body.mem_len : 0;
        c->mem_off = 0;
        c->file_fd = body.file_fd;
        c->file_off = body.file_off;
        c->file_end = body.file_off + (body.file_fd >= 0 ? body.file_len : 0);
        c->bytes_sent = 0;
        c->state = HTTP_CONN_SEND_HEAD;
        c->deadline = http_conn_env_now(env) + env->conf->http.send_timeout_usec;
        return conn_send(c);
}

/* Error and status pages: an inline HTML body, or the root's 404.html for 404. */
int http_conn_respond_status(HttpConn *c, unsigned status) {
        HttpConnEnv *env = c->env;
        HttpResponse resp = { .status = status };
        char page[512];
        HttpBody body = HTTP_BODY_NONE;

        switch (status) {
        case 400: case 408: case 413: case 414: case 431: case 500: case 501: case 505:
                /* The framing of what follows is unknown or the peer is misbehaving: close,
                 * after draining what it already sent (so the reply is not lost to a RST). */
                c->keep_alive = false;
                c->linger = true;
                env->counters.bad_requests += status != 408 && status != 500;
                break;
        case 405:
                resp.allow = true;
                break;
        }

        if (status == 404) {
                struct stat st;
                int fd = http_fs_open(env->root_fd, "404.html", &st);

                if (fd >= 0) {
                        resp.content_type = mime_table_lookup(env->mime, "404.html");
                        resp.has_body_length = true;
                        resp.content_length = (uint64_t) st.st_size;
                        body.file_fd = fd;
                        body.file_len = (uint64_t) st.st_size;
                        return http_conn_respond(c, &resp, body);
                }
        }

        body.inline_p = page;
        body.inline_len = http_response_error_page(status, page, sizeof(page));
        resp.content_type = "text/html; charset=utf-8";
        resp.has_body_length = true;
        resp.content_length = body.inline_len;
        return http_conn_respond(c, &resp, body);
}

/* A complete head is in rbuf[0..head_len). */
static int conn_handle_request(HttpConn *c, const HttpRequest *req, size_t head_len) {
        HttpConnEnv *env = c->env;

        c->head_len = (uint32_t) head_len;
        c->method = (int8_t) req->method;
        c->minor_version = (uint8_t) req->minor_version;
        c->keep_alive = req->keep_alive;
        c->discard = req->has_content_length ? req->content_length : 0;
        c->chunked = req->chunked;
        c->chunk = (HttpChunkState) {};
        env->counters.requests++;

        if (c->discard > env->conf->http.max_body) {
                c->discard = 0;
                return http_conn_respond_status(c, 413);
        }
        if (c->chunked) {
                /* Check the part of a chunked body that came with the head before
                 * answering, so broken framing gets its 400 (or 413) rather than a 200
                 * followed by a silent close; the rest is checked while skipping it. */
                HttpChunkState probe = {};
                size_t consumed = 0;
                int r = http_parse_chunked(&probe, c->rbuf + head_len, c->rlen - head_len,
                                           env->conf->http.max_body, &consumed);

                if (r < 0)
                        return http_conn_respond_status(c, r == -EMSGSIZE ? 413 : 400);
                c->expect_continue = req->expect_continue && r == 0;
        } else
                c->expect_continue = req->expect_continue && c->discard > c->rlen - head_len;

        if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
                return http_conn_respond_status(c, 405);
        return http_route_get(c, req);
}

/* ---- receiving ---------------------------------------------------------------------- */

/* Reads and parses until one request is answered (returns http_conn_respond()'s result),
 * or the head is incomplete and the socket empty (0). < 0 closes the connection. */
static int conn_recv_head(HttpConn *c) {
        HttpConnEnv *env = c->env;
        HttpParseLimits limits = {
                .max_request_line = env->conf->http.max_request_line,
                .max_head = head_limit(env),
                .max_headers = env->conf->http.max_headers,
        };
        HttpRequest req;
        ssize_t n;
        int r;

        for (;;) {
                if (c->rlen > c->rprev) {
                        r = http_parse_request(c->rbuf, c->rlen, c->rprev, &limits, &req);
                        if (r > 0)
                                return conn_handle_request(c, &req, (size_t) r);
                        if (r != -EAGAIN) {
                                c->method = -1;
                                env->counters.requests++;
                                return http_conn_respond_status(c, http_parse_errno_to_status(r));
                        }
                        c->rprev = c->rlen;
                }

                r = conn_rbuf_get(c);
                if (r < 0)
                        return r;
                if (c->rlen == c->rcap) {
                        r = conn_rbuf_grow(c);
                        if (r < 0) {
                                c->method = -1;
                                return http_conn_respond_status(c, r == -EMSGSIZE ? 431 : 503);
                        }
                }

                if (c->drained) {
                        /* The last read was short, so the socket was empty then: don't
                         * spend a recv() on EAGAIN; level-triggered epoll reports new data. */
                        c->drained = false;
                        if (c->rlen == 0)
                                conn_rbuf_put(c);
                        conn_set_events(c, EPOLLIN);
                        return 0;
                }
                n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                if (c->rlen == 0)
                                        conn_rbuf_put(c);       /* idle again: no buffer held */
                                conn_set_events(c, EPOLLIN);
                                return 0;
                        }
                        return -errno;
                }
                if (n == 0)
                        return -ECONNRESET;     /* peer closed (mid-head or between requests) */
                if (c->rlen == 0) {
                        /* First byte of a request: the header timer starts now. */
                        c->req_start = now(CLOCK_MONOTONIC);
                        c->deadline = c->req_start + env->conf->http.header_timeout_usec;
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
                        conn_set_events(c, EPOLLIN);
                        return 0;
                }
                return -errno;
        }
}

/* Skips a chunked body: read into rbuf, decode, keep what follows it (the next
 * request). Returns 1 when done, 0 when waiting, < 0 to close. */
static int conn_discard_chunked(HttpConn *c) {
        HttpConnEnv *env = c->env;
        int r;

        for (;;) {
                size_t consumed = 0;
                ssize_t n;

                r = conn_rbuf_get(c);
                if (r < 0)
                        return r;
                if (c->rlen > 0) {
                        r = http_parse_chunked(&c->chunk, c->rbuf, c->rlen, env->conf->http.max_body, &consumed);
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

/* Skips request body bytes. Returns 1 when done, 0 when waiting, < 0 to close. */
static int conn_discard(HttpConn *c) {
        HttpConnEnv *env = c->env;

        if (c->chunked)
                return conn_discard_chunked(c);

        while (c->discard > 0) {
                ssize_t n = conn_recv_body(c, env->scratch, (size_t) MIN(c->discard, (uint64_t) sizeof(env->scratch)));

                if (n <= 0)
                        return (int) n;
                c->discard -= (uint64_t) n;
        }
        return 1;
}

static void conn_start_linger(HttpConn *c) {
        (void) shutdown(c->fd, SHUT_WR);
        c->state = HTTP_CONN_LINGER;
        c->discard = HTTP_CONN_LINGER_MAX;
        c->deadline = http_conn_env_now(c->env) + HTTP_CONN_LINGER_USEC;
        conn_rbuf_put(c);
        conn_set_events(c, EPOLLIN);
}

/* The response is out: log it, then keep-alive (the next pipelined head may already be
 * in rbuf) or close. Returns 1 to go on reading, 0 when lingering, < 0 to close. */
static int conn_finish_response(HttpConn *c) {
        HttpConnEnv *env = c->env;
        size_t used, body;

        conn_account(c);
        conn_reset_response(c);

        used = MIN((size_t) c->head_len, (size_t) c->rlen);
        body = (size_t) MIN(c->discard, (uint64_t) (c->rlen - used));
        used += body;
        c->discard -= body;
        if (c->chunked && c->rbuf) {
                size_t consumed = 0;
                int r = http_parse_chunked(&c->chunk, c->rbuf + used, c->rlen - used, env->conf->http.max_body,
                                           &consumed);

                used += consumed;
                if (r < 0) {
                        c->keep_alive = false;      /* cannot find the next request */
                        c->linger = true;
                } else if (r > 0)
                        c->chunked = false;
        }

        if (!c->keep_alive) {
                if (c->linger || c->discard > 0 || c->chunked || c->rlen > used) {
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
        c->method = -1;
        c->status = 0;

        if (c->discard > 0 || c->chunked) {
                c->state = HTTP_CONN_DISCARD_BODY;
                c->deadline = http_conn_env_now(env) + env->conf->http.header_timeout_usec;
                return 1;
        }

        c->state = HTTP_CONN_RECV_HEAD;
        if (c->rlen > 0) {
                c->req_start = now(CLOCK_MONOTONIC);
                c->deadline = c->req_start + env->conf->http.header_timeout_usec;
        } else {
                conn_rbuf_put(c);
                c->deadline = http_conn_env_now(env) + env->conf->http.keepalive_timeout_usec;
                if (env->stopping)
                        return -ECONNRESET;
        }
        return 1;
}

static int conn_linger(HttpConn *c) {
        HttpConnEnv *env = c->env;

        for (;;) {
                ssize_t n = recv(c->fd, env->scratch, sizeof(env->scratch), 0);

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

/* One wake-up: a bounded number of steps, then back to the loop. */
static int http_conn_on_io(HttpConn *c, uint32_t revents) {
        unsigned requests = 0;
        int r = 0;

        if (revents & EPOLLERR) {
                http_conn_free(c);
                return 0;
        }

        for (;;) {
                switch (c->state) {
                case HTTP_CONN_RECV_HEAD:
                        if (requests >= HTTP_CONN_REQUEST_BUDGET) {
                                /* More pipelined requests wait: EPOLLOUT fires on the next
                                 * iteration, after everybody else had a turn. */
                                conn_set_events(c, EPOLLIN | EPOLLOUT);
                                return 0;
                        }
                        r = conn_recv_head(c);
                        if (c->state != HTTP_CONN_RECV_HEAD)
                                requests++;
                        break;
                case HTTP_CONN_SEND_HEAD:
                case HTTP_CONN_SEND_BODY:
                        r = conn_send(c);
                        break;
                case HTTP_CONN_DISCARD_BODY:
                        r = conn_discard(c);
                        if (r > 0) {
                                c->state = HTTP_CONN_RECV_HEAD;
                                c->deadline = http_conn_env_now(c->env) + c->env->conf->http.keepalive_timeout_usec;
                                continue;
                        }
                        break;
                case HTTP_CONN_LINGER:
                        r = conn_linger(c);
                        break;
                default:
                        assert(false);
                        http_conn_free(c);
                        return 0;
                }

                if (r < 0) {
                        http_conn_free(c);
                        return 0;
                }
                if (r == 0)
                        return 0;
                /* r > 0: the response just completed */
                if (c->state == HTTP_CONN_SEND_HEAD || c->state == HTTP_CONN_SEND_BODY) {
                        r = conn_finish_response(c);
                        if (r < 0) {
                                http_conn_free(c);
                                return 0;
                        }
                        if (r == 0)
                                return 0;
                }
        }
}

/* ---- lifecycle ---------------------------------------------------------------------- */

int http_conn_new(HttpConnEnv *env, int fd, const struct sockaddr *peer, socklen_t peer_len) {
        HttpConn *c;
        int r;

        assert(env);

        c = calloc(1, sizeof(HttpConn));
        if (!c) {
                safe_close(fd);
                return -ENOMEM;
        }
        c->env = env;
        c->fd = fd;
        c->file_fd = -EBADF;
        c->method = -1;
        c->state = HTTP_CONN_RECV_HEAD;
        c->events = EPOLLIN;
        if (peer && peer_len > 0)
                memcpy(&c->peer, peer, MIN((size_t) peer_len, sizeof(c->peer)));
        c->req_start = now(CLOCK_MONOTONIC);
        c->deadline = c->req_start + env->conf->http.header_timeout_usec;

        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (epoll_ctl(env->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                r = -errno;
                safe_close(fd);
                free(c);
                return r;
        }

        c->next = env->conns;
        if (env->conns)
                env->conns->prev = c;
        env->conns = c;
        if (env->n_conns++ == 0 && env->sweep)
                (void) sd_event_source_set_enabled(env->sweep, SD_EVENT_ON);
        return 0;
}

void http_conn_free(HttpConn *c) {
        HttpConnEnv *env;

        if (!c)
                return;
        env = c->env;

        if (c->prev)
                c->prev->next = c->next;
        else
                env->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        env->n_conns--;

        conn_reset_response(c);
        conn_rbuf_put(c);
        safe_close(c->fd);
        free(c);

        if (env->n_conns == 0 && env->sweep)
                (void) sd_event_source_set_enabled(env->sweep, SD_EVENT_OFF);
        if (env->on_conn_closed)
                env->on_conn_closed(env->on_conn_closed_userdata);
}

/* All connections share one epoll set, nested in the sd-event loop as a single source:
 * one dispatch serves up to HTTP_CONN_EPOLL_BATCH ready connections. sd-event polls its
 * epoll once per dispatched source, so one source per connection would cost an
 * epoll_wait() per request (and an sd_event_source per idle connection). The batch bound
 * keeps the echo socket's turn coming. */
static int http_conn_env_on_epoll(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HttpConnEnv *env = userdata;
        struct epoll_event ev[HTTP_CONN_EPOLL_BATCH];
        int n;

        n = epoll_wait(env->epfd, ev, ELEMENTSOF(ev), 0);
        if (n < 0)
                return errno == EINTR ? 0 : -errno;
        for (int i = 0; i < n; i++)
                (void) http_conn_on_io(ev[i].data.ptr, ev[i].events);
        return 0;
}

int http_conn_env_init(HttpConnEnv *env) {
        int r;

        env->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (env->epfd < 0)
                return -errno;
        r = sd_event_add_io(env->event, &env->epoll_source, env->epfd, EPOLLIN, http_conn_env_on_epoll, env);
        if (r < 0)
                return r;
        return 0;
}

int http_conn_env_on_sweep(sd_event_source *s, uint64_t usec, void *userdata) {
        HttpConnEnv *env = userdata;
        usec_t t = http_conn_env_now(env);
        HttpConn *next;

        for (HttpConn *c = env->conns; c; c = next) {
                int r = 0;

                next = c->next;
                if (t < c->deadline)
                        continue;

                env->counters.timeouts++;
                if (c->state == HTTP_CONN_RECV_HEAD && c->rlen > 0) {
                        /* Slow head (slowloris): 408, then close. */
                        c->method = -1;
                        r = http_conn_respond_status(c, 408);
                        if (r > 0)
                                r = conn_finish_response(c);
                        if (r >= 0)
                                continue;
                }
                http_conn_free(c);
        }

        (void) sd_event_source_set_time_relative(s, HTTP_SERVER_SWEEP_USEC);
        return 0;
}

void http_conn_env_stop(HttpConnEnv *env) {
        HttpConn *next;

        env->stopping = true;
        for (HttpConn *c = env->conns; c; c = next) {
                next = c->next;
                if (c->state == HTTP_CONN_RECV_HEAD && c->rlen == 0)
                        http_conn_free(c);
                else
                        c->keep_alive = false;
        }
}

void http_conn_env_flush_pool(HttpConnEnv *env) {
        while (env->n_rbuf_pool > 0)
                free(env->rbuf_pool[--env->n_rbuf_pool]);
}

void http_conn_env_done(HttpConnEnv *env) {
        env->on_conn_closed = NULL;
        while (env->conns)
                http_conn_free(env->conns);
        http_conn_env_flush_pool(env);
        env->epoll_source = sd_event_source_disable_unref(env->epoll_source);
        env->epfd = safe_close(env->epfd);
}
