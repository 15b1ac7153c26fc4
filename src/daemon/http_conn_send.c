/* http_conn_send.c — the send half of http_conn (declared in http_conn.h): a reply value
 * from http_route becomes a head in the shared scratch buffer (http_response_head()) and
 * goes out with send()/sendmsg() (MSG_MORE before a file), then the body with send() or
 * sendfile() in budgeted steps. Called only by http_conn.c; calls http_response and the
 * socket. The second file of the module that writes to sockets; nothing else does. */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "http_conn.h"
#include "http_reason.h"
#include "http_response.h"

/* The inline body of a reply is copied after the head into the scratch buffer: the
 * largest head, the 100 Continue prefix and the largest inline body (a cached file or a
 * status page) must fit, so nothing is ever truncated. */
#define HTTP_CONN_CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"
static_assert(HTTP_RESPONSE_HEAD_MAX + sizeof(HTTP_CONN_CONTINUE) + HTTP_CACHE_FILE_MAX <= HTTP_CONN_SCRATCH_SIZE,
              "a cached file with its head must fit in the scratch buffer");
static_assert(HTTP_REPLY_PAGE_MAX <= HTTP_CACHE_FILE_MAX, "status pages are smaller than cached files");

/* A send() or sendmsg() of the rest of the head, with the memory body behind it if
 * there is one. Returns the bytes written or -1 with errno. */
static ssize_t conn_write_head(HttpConn *c) {
        size_t head_left = c->wlen - c->woff;
        bool more_body = c->file_fd >= 0 && c->file_off < c->file_end;

        if (c->mem && c->mem_off < c->mem_len) {
                struct iovec iov[2] = {
                        { c->wbuf + c->woff, head_left },
                        { c->mem + c->mem_off, c->mem_len - c->mem_off },
                };
                struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

                return sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        }
        /* MSG_MORE: the head waits for the first sendfile() pages, so a small file leaves
         * in the same segment as its head. */
        return send(c->fd, c->wbuf + c->woff, head_left, MSG_NOSIGNAL | (more_body ? MSG_MORE : 0));
}

/* @n bytes of the head (and maybe of the memory body behind it) went out. */
static void conn_head_sent(HttpConn *c, size_t n) {
        size_t head_left = c->wlen - c->woff;

        c->deadline = http_conn_now(c) + http_conn_settings(c)->send_timeout_usec;
        if (n < head_left) {
                c->woff += (uint32_t) n;
                return;
        }
        c->mem_off += n - head_left;
        c->woff = c->wlen;
        c->state = HTTP_CONN_SEND_BODY;
}

/* EAGAIN: wait for EPOLLOUT. The head lives in the shared scratch only until we return,
 * so what is left of it moves to its own allocation. Returns 0, or -ENOMEM. */
static int conn_send_wait(HttpConn *c) {
        if (c->state == HTTP_CONN_SEND_HEAD && !http_conn_wbuf_owned(c)) {
                char *p = malloc(c->wlen - c->woff);

                if (!p) {
                        c->shared->counters.oom++;
                        return -ENOMEM;
                }
                memcpy(p, c->wbuf + c->woff, c->wlen - c->woff);
                c->wbuf = p;
                c->wlen -= c->woff;
                c->woff = 0;
        }
        http_conn_set_events(c, EPOLLOUT);
        return 0;
}

int http_conn_send_step(HttpConn *c) {
        size_t budget = MIN((size_t) HTTP_CONN_SEND_BUDGET, c->shared->send_budget);

        assert(c->state == HTTP_CONN_SEND_HEAD || c->state == HTTP_CONN_SEND_BODY);

        for (;;) {
                bool head = c->state == HTTP_CONN_SEND_HEAD;
                bool mem = c->mem && c->mem_off < c->mem_len;
                ssize_t n;

                if (head)
                        n = conn_write_head(c);
                else if (mem)
                        n = send(c->fd, c->mem + c->mem_off, c->mem_len - c->mem_off, MSG_NOSIGNAL);
                else if (c->file_fd >= 0 && c->file_off < c->file_end) {
                        off_t off = (off_t) c->file_off;

                        if (budget == 0) {
                                /* Fairness: let the loop run; level-triggered EPOLLOUT
                                 * brings us back right away if the socket is writable. */
                                http_conn_set_events(c, EPOLLOUT);
                                return 0;
                        }
                        n = sendfile(c->fd, c->file_fd, &off,
                                     (size_t) MIN(c->file_end - c->file_off, (uint64_t) budget));
                        if (n == 0)
                                return -EIO; /* the file shrank under us: length would lie */
                } else
                        return 1;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return conn_send_wait(c);
                        return -errno;
                }

                c->bytes_sent += (uint64_t) n;
                if (head) {
                        conn_head_sent(c, (size_t) n);
                        continue;
                }
                if (mem)
                        c->mem_off += (size_t) n;
                else {
                        c->file_off += (uint64_t) n;
                        budget -= MIN(budget, (size_t) n);
                        c->shared->send_budget -= MIN(c->shared->send_budget, (size_t) n);
                }
                c->deadline = MIN(http_conn_now(c) + http_conn_settings(c)->send_timeout_usec, c->send_end);
        }
}

/* When a response of @total bytes must be out: send_timeout plus the time it takes at
 * http.min_send_rate. A reader that takes a byte now and then renews the send timeout
 * forever; this bounds the whole response (a byte every 29 s no longer holds a slot). */
static usec_t conn_send_end(const HttpConn *c, uint64_t total) {
        const ConfHttp *h = http_conn_settings(c);
        uint64_t rate = h->min_send_rate, t;

        if (rate == 0)
                return USEC_INFINITY;
        t = total / rate * USEC_PER_SEC + total % rate * USEC_PER_SEC / rate;
        if (t > USEC_INFINITY - http_conn_now(c) - h->send_timeout_usec)
                return USEC_INFINITY;
        return http_conn_now(c) + h->send_timeout_usec + t;
}

int http_conn_send_reply(HttpConn *c, HttpReply *reply) {
        HttpConnShared *sh = c->shared;
        HttpResponse *resp = &reply->head;
        size_t pre = 0;
        int n;

        assert(c->state == HTTP_CONN_RECV_HEAD || c->state == HTTP_CONN_DISCARD_BODY);

        if (reply->oom)
                sh->counters.oom++;
        if (reply->close)
                http_conn_end_at_least(c, HTTP_CONN_END_LINGER);
        c->reason = (int8_t) reply->reason;
        if (http_reason_is_bad_request(reply->reason)) {
                sh->counters.bad_requests++;
                sh->counters.bad_requests_by_reason[reply->reason]++;
        }
        if (sh->stopping)
                http_conn_end_at_least(c, HTTP_CONN_END_CLOSE);
        if (c->expect_continue && resp->status >= 400)
                /* An error: no point in asking for a body we would throw away; the
                 * client learns from "Connection: close" not to send it. */
                http_conn_end_at_least(c, HTTP_CONN_END_LINGER);
        resp->server = http_conn_settings(c)->server_header;
        resp->date = sh->date;
        resp->keep_alive = c->end == HTTP_CONN_END_KEEP_ALIVE;
        resp->http10 = c->method >= 0 && c->minor_version == 0;

        /* RFC 9110 §10.1.1: the client holds the body back until it sees 100 (Continue)
         * or a final status. When we keep the connection we read the body (to skip
         * it), so ask for it; when we close, the final status alone tells the client
         * not to send it. */
        if (c->expect_continue && resp->keep_alive) {
                pre = sizeof(HTTP_CONN_CONTINUE) - 1;
                memcpy(sh->scratch, HTTP_CONN_CONTINUE, pre);
        }
        c->expect_continue = false;

        n = http_response_head(resp, sh->scratch + pre, sizeof(sh->scratch) - pre);
        if (n < 0) {
                http_reply_done(reply);
                return n;
        }
        n += (int) pre;

        c->status = (uint16_t) resp->status;
        sh->counters.responses_by_class[resp->status / 100 % 6]++;

        if (c->method == HTTP_METHOD_HEAD || resp->status == 304) {
                /* RFC 9110 §9.3.2: same head as GET, no content. */
                http_reply_done(reply);
                reply->data_len = 0;
        } else if (reply->data_len > 0) {
                /* Fits: see the static_asserts on the scratch size above. */
                assert(reply->data_len <= sizeof(sh->scratch) - (size_t) n);
                memcpy(sh->scratch + n, reply->data, reply->data_len);
                n += (int) reply->data_len;
        }

        c->wbuf = sh->scratch;
        c->wlen = (uint32_t) n;
        c->woff = 0;
        c->mem = TAKE_PTR(reply->mem);
        c->mem_len = c->mem ? reply->mem_len : 0;
        c->mem_off = 0;
        c->file_fd = TAKE_FD(reply->fd);
        c->file_off = reply->file_off;
        c->file_end = reply->file_off + (c->file_fd >= 0 ? reply->file_len : 0);
        c->bytes_sent = 0;
        c->state = HTTP_CONN_SEND_HEAD;
        c->send_end = conn_send_end(c, (uint64_t) c->wlen + c->mem_len + (c->file_end - c->file_off));
        c->deadline = MIN(http_conn_now(c) + http_conn_settings(c)->send_timeout_usec, c->send_end);
        return http_conn_send_step(c);
}
