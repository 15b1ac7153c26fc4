/* ping_http.c — the HTTP prober of netlab-ping. One probe at a time, each a GET on a
 * non-blocking socket driven by the run's sd-event loop through explicit states
 * (CONNECTING -> SENDING -> READ_HEAD -> READ_BODY -> idle), timed as curl -w does, all
 * from the start of the request: connect (handshake done), pretransfer (request written),
 * ttfb (first response byte) and total (end of body). The next probe starts at its scheduled time, or at once if
 * the previous one overran it. The head parser is pure; chunked bodies go through the shared decoder
 * (http_chunked). */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "comma_list.h"
#include "http_chunked.h"
#include "i18n.h"
#include "log.h"
#include "ping_http.h"

/* ---- pure parsing --------------------------------------------------------------------- */

/* RFC 9112 §6.3: the body is chunked when chunked is the final transfer coding of the
 * list (RFC 9110 §5.6.1 "#rule", walked by comma_list). */
static bool final_coding_is_chunked(const char *v, size_t n) {
        const char *item, *last = NULL;
        size_t pos = 0, len, last_len = 0;

        while (comma_list_next(v, n, &pos, &item, &len)) {
                last = item;
                last_len = len;
        }
        return last && last_len == 7 && strncasecmp(last, "chunked", 7) == 0;
}

int ping_http_parse_head(const char *buf, size_t len, PingHttpHead *ret) {
        PingHttpHead h = {
                .content_length = -1,
        };
        bool keep_alive = false, saw_close = false;
        size_t pos = 0, line_no = 0;

        assert(buf || len == 0);
        assert(ret);

        for (;;) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                if (!nl)
                        return len >= PING_HTTP_HEAD_MAX ? -EMSGSIZE : -EAGAIN;
                size_t end = (size_t) (nl - buf);
                if (end + 1 > PING_HTTP_HEAD_MAX)
                        return -EMSGSIZE;
                size_t n = end - pos;
                const char *line = buf + pos;
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                pos = end + 1;

                if (line_no++ == 0) {
                        /* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
                        if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char) line[7]) ||
                            line[8] != ' ' || !isdigit((unsigned char) line[9]) ||
                            !isdigit((unsigned char) line[10]) || !isdigit((unsigned char) line[11]) ||
                            (n > 12 && line[12] != ' '))
                                return -EBADMSG;
                        h.minor_version = (unsigned) (line[7] - '0');
                        h.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
                        if (h.status < 100)
                                return -EBADMSG;
                        continue;
                }

                if (n == 0)
                        break;          /* end of the head */

                const char *colon = memchr(line, ':', n);
                if (!colon || colon == line)
                        return -EBADMSG;
                size_t name_len = (size_t) (colon - line);
                const char *v = colon + 1;
                size_t vn = n - name_len - 1;
                while (vn > 0 && (*v == ' ' || *v == '\t')) {
                        v++;
                        vn--;
                }
                while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
                        vn--;

                if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
                        int64_t cl = 0;

                        if (vn == 0 || vn > 18)
                                return -EBADMSG;
                        for (size_t i = 0; i < vn; i++) {
                                if (!isdigit((unsigned char) v[i]))
                                        return -EBADMSG;
                                cl = cl * 10 + (v[i] - '0');
                        }
                        /* RFC 9112 §6.3: differing Content-Length values are an error. */
                        if (h.content_length >= 0 && h.content_length != cl)
                                return -EBADMSG;
                        h.content_length = cl;
                } else if (name_len == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0)
                        h.chunked = final_coding_is_chunked(v, vn);
                else if (name_len == 10 && strncasecmp(line, "Connection", 10) == 0) {
                        if (comma_list_has(v, vn, "close"))
                                saw_close = true;
                        if (comma_list_has(v, vn, "keep-alive"))
                                keep_alive = true;
                }
        }

        h.close = saw_close || (h.minor_version == 0 && !keep_alive);
        *ret = h;
        return (int) pos;
}

/* ---- prober ------------------------------------------------------------------------- */

typedef enum HttpState {
        HTTP_IDLE,                      /* between probes; a kept-alive fd may be open */
        HTTP_CONNECTING,                /* EPOLLOUT: non-blocking connect() in progress */
        HTTP_SENDING,                   /* EPOLLOUT: request bytes left */
        HTTP_READ_HEAD,                 /* EPOLLIN: until the blank line */
        HTTP_READ_BODY,                 /* EPOLLIN: Content-Length, chunked or until close */
} HttpState;

struct PingHttp {
        Ping *ping;
        HttpState state;
        int fd;
        bool reused;                    /* this probe runs on a kept-alive connection */
        bool retried;                   /* already reconnected once for this probe */
        sd_event_source *io_source;
        sd_event_source *timer_source;  /* schedule while idle, -W timeout while busy */
        uint64_t next_seq;

        char request[1024 + PING_HTTP_HEAD_MAX];
        size_t request_len, request_sent;
        char head[PING_HTTP_HEAD_MAX];
        size_t head_len;
        PingHttpHead resp;
        HttpChunked chunked;
        uint64_t body_bytes;
        bool printed_headers;

        /* the probe in progress */
        uint64_t seq;
        nsec_t t_start, t_connected, t_sent, t_first, t_last;

        PingHttpPhaseStats phases[_PING_HTTP_PHASE_MAX];
        uint64_t status[PING_HTTP_STATUS_MAX];
        uint64_t errors, non2xx, total_body, connections;
};

static void close_conn(PingHttp *h) {
        h->io_source = sd_event_source_disable_unref(h->io_source);
        h->fd = safe_close(h->fd);
}

PingHttp *ping_http_free(PingHttp *h) {
        if (!h)
                return NULL;
        close_conn(h);
        sd_event_source_disable_unref(h->timer_source);
        free(h);
        return NULL;
}

void ping_http_summary(const PingHttp *h, PingSummary *s) {
        assert(h);
        assert(s);

        s->http_phases = h->phases;
        memcpy(s->http_status, h->status, sizeof(s->http_status));
        s->http_errors = h->errors;
        s->http_non2xx = h->non2xx;
        s->http_body_bytes = h->total_body;
        s->http_connections = h->connections;
}

static void set_timer(PingHttp *h, nsec_t when) {
        (void) sd_event_source_set_time(h->timer_source, ping_usec_ceil(when));
        (void) sd_event_source_set_enabled(h->timer_source, SD_EVENT_ONESHOT);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* After a probe ended: schedule the next one, or end the run. */
static void probe_done(PingHttp *h) {
        Ping *p = h->ping;

        h->state = HTTP_IDLE;
        if (!p->keep_alive)
                close_conn(h);
        else if (h->io_source)
                /* Idle: watch for the server closing the connection (on_io drops it). */
                (void) sd_event_source_set_io_events(h->io_source, EPOLLIN);

        if (ping_count_reached(p, h->next_seq))
                p->sending_done = true;
        if (p->sending_done) {
                ping_maybe_finish(p);
                return;
        }
        set_timer(h, p->start + h->next_seq * p->conf.interval);
}

static void probe_fail(PingHttp *h, const char *error, int status) {
        Ping *p = h->ping;
        nsec_t now = ping_now(CLOCK_MONOTONIC);

        if (status > 0) {
                h->non2xx++;
                if (status < PING_HTTP_STATUS_MAX)
                        h->status[status]++;
        } else
                h->errors++;
        (void) stats_on_error(p->stats, h->seq);
        ping_emit(p, &(PingEvent) {
                .kind = PING_EVENT_ERROR,
                .seq = h->seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                .bytes = h->body_bytes,
                .rtt = now - h->t_start,
                .http_status = status,
                .http_connect = h->reused ? 0 : (h->t_connected ? h->t_connected - h->t_start : 0),
                .http_pretransfer = h->t_sent ? h->t_sent - h->t_start : 0,
                .http_ttfb = h->t_first ? h->t_first - h->t_start : 0,
                .error = error,
        });
        if (status == 0 || h->resp.close)
                close_conn(h);
        probe_done(h);
}

static void probe_success(PingHttp *h) {
        Ping *p = h->ping;
        nsec_t now = h->t_last ?: ping_now(CLOCK_MONOTONIC), rtt = 0;  /* the last byte's arrival */

        h->total_body += h->body_bytes;
        if (h->resp.close)
                close_conn(h);

        if (h->resp.status < 200 || h->resp.status > 299) {
                probe_fail(h, N_("non-2xx status"), h->resp.status);
                return;
        }

        (void) stats_on_reply(p->stats, h->seq, now, NSEC_INFINITY, &rtt, NULL);
        h->status[h->resp.status]++;

        /* curl's -w timers: every phase from the start of the request, so they nest
         * (connect <= pretransfer <= ttfb <= total) and their differences add up to the
         * total exactly. A reused connection has no handshake to time. */
        nsec_t connect = h->reused ? 0 : h->t_connected - h->t_start;
        nsec_t v[_PING_HTTP_PHASE_MAX] = {
                [PING_HTTP_PHASE_CONNECT] = connect,
                [PING_HTTP_PHASE_PRETRANSFER] = h->t_sent - h->t_start,
                [PING_HTTP_PHASE_TTFB] = h->t_first - h->t_start,
                [PING_HTTP_PHASE_TOTAL] = rtt,
        };
        for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                if (i == PING_HTTP_PHASE_CONNECT && h->reused)
                        continue;
                stats_welford_add(&h->phases[i].w, (double) v[i]);
                stats_hist_add(&h->phases[i].h, v[i]);
        }
        ping_emit(p, &(PingEvent) {
                .kind = PING_EVENT_REPLY,
                .seq = h->seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                .bytes = h->body_bytes,
                .rtt = rtt,
                .http_status = h->resp.status,
                .http_connect = connect,
                .http_pretransfer = v[PING_HTTP_PHASE_PRETRANSFER],
                .http_ttfb = v[PING_HTTP_PHASE_TTFB],
        });
        probe_done(h);
}

static int start_connect(PingHttp *h) {
        Ping *p = h->ping;
        int r;

        close_conn(h);
        h->fd = socket(p->addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
        if (h->fd < 0)
                return -errno;
        (void) setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
        /* Linux stamps TCP data too (tcp_recv_timestamp()): the first byte's arrival,
         * free of our wake-up delay, as the UDP prober measures its replies. */
        (void) setsockopt(h->fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int) { 1 }, sizeof(int));

        h->reused = false;
        h->connections++;
        r = connect(h->fd, &p->addr.sa, sockaddr_len(&p->addr));
        if (r < 0 && errno != EINPROGRESS)
                return -errno;

        r = sd_event_add_io(p->event, &h->io_source, h->fd, EPOLLOUT, on_io, h);
        if (r < 0)
                return r;
        h->state = HTTP_CONNECTING;
        return 0;
}

static void begin_request(PingHttp *h) {
        h->state = HTTP_SENDING;
        h->request_sent = 0;
        h->head_len = 0;
        h->body_bytes = 0;
        h->t_first = h->t_last = 0;
        h->resp = (PingHttpHead) {};
        h->chunked = (HttpChunked) {};
        (void) sd_event_source_set_io_events(h->io_source, EPOLLOUT);
        (void) sd_event_source_set_enabled(h->io_source, SD_EVENT_ON);
}

/* A kept-alive connection the server closed while idle fails on first use; that is not
 * the probe's fault, so it is retried once on a new connection. */
static bool retry_fresh(PingHttp *h) {
        int r;

        if (!h->reused || h->retried)
                return false;
        h->retried = true;
        h->t_start = ping_now(CLOCK_MONOTONIC);
        h->t_connected = 0;
        r = start_connect(h);
        if (r < 0) {
                probe_fail(h, strerrordesc_np(-r), 0);
                return true;
        }
        return true;
}

static void start_probe(PingHttp *h) {
        Ping *p = h->ping;
        uint64_t evicted;
        int r;

        h->seq = h->next_seq++;
        h->retried = false;
        h->t_start = ping_now(CLOCK_MONOTONIC);
        h->t_connected = 0;
        h->t_sent = 0;
        h->t_first = h->t_last = 0;
        h->body_bytes = 0;
        h->resp = (PingHttpHead) {};
        if (!p->started) {
                p->started = true;
                p->start = h->t_start;
                p->summary.start_wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC;
                r = ping_arm_deadline(p);
                if (r < 0) {
                        log_error_errno(r, _("Failed to arm the deadline: %m"));
                        ping_finish(p, r);
                        return;
                }
        }
        (void) stats_on_send(p->stats, h->seq, h->t_start, &evicted);

        /* -W bounds the whole probe: connect, request and response. */
        set_timer(h, h->t_start + p->conf.timeout);

        if (p->keep_alive && h->fd >= 0) {
                h->reused = true;
                h->t_connected = h->t_start;
                begin_request(h);
                return;
        }
        r = start_connect(h);
        if (r < 0)
                probe_fail(h, strerrordesc_np(-r), 0);
}

static void on_readable(PingHttp *h) {
        char buf[16384];
        int r;

        for (;;) {
                char *dst = h->state == HTTP_READ_HEAD ? h->head + h->head_len : buf;
                size_t room = h->state == HTTP_READ_HEAD ? sizeof(h->head) - h->head_len : sizeof(buf);

                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
                } control;
                struct iovec iov = { .iov_base = dst, .iov_len = room };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };

                ssize_t n = recvmsg(h->fd, &mh, 0);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        if (h->state == HTTP_READ_HEAD && h->head_len == 0 && retry_fresh(h))
                                return;
                        probe_fail(h, strerrordesc_np(errno), 0);
                        return;
                }
                if (n == 0) {
                        if (h->state == HTTP_READ_BODY && h->resp.content_length < 0 && !h->resp.chunked) {
                                h->resp.close = true;   /* body delimited by close */
                                probe_success(h);
                                return;
                        }
                        if (h->state == HTTP_READ_HEAD && h->head_len == 0 && retry_fresh(h))
                                return;
                        probe_fail(h, N_("connection closed before the response was complete"), 0);
                        return;
                }
                /* The kernel's stamp of the newest segment this read returned: ttfb is
                 * the first read's and total the last one's, so neither includes the time
                 * this process took to wake up; that delay would otherwise land in total
                 * alone and the phases would no longer add up under load. */
                const struct timespec *stamp = NULL;

                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
                                stamp = (const struct timespec *) CMSG_DATA(c);
                nsec_t rx = ping_receive_time(h->ping->stats, stamp);

                if (h->t_first == 0)
                        h->t_first = MAX(rx, h->t_sent);
                h->t_last = MAX(rx, h->t_first);

                const char *body = buf;
                size_t body_len = (size_t) n;

                if (h->state == HTTP_READ_HEAD) {
                        h->head_len += (size_t) n;
                        r = ping_http_parse_head(h->head, h->head_len, &h->resp);
                        if (r == -EAGAIN)
                                continue;
                        if (r < 0) {
                                probe_fail(h,
                                           r == -EMSGSIZE ? N_("response head too long") :
                                                            N_("malformed response"),
                                           0);
                                return;
                        }
                        if (h->ping->verbose && !h->printed_headers) {
                                FILE *f = h->ping->conf.json || h->ping->conf.json_lines ? stderr : h->ping->out;

                                fwrite(h->head, 1, (size_t) r, f);
                                (void) fflush(f);
                                h->printed_headers = true;
                        }
                        body = h->head + r;
                        body_len = h->head_len - (size_t) r;
                        h->state = HTTP_READ_BODY;

                        /* RFC 9112 §6.3: 1xx, 204 and 304 have no body; we never send HEAD. */
                        if (h->resp.status < 200 || h->resp.status == 204 || h->resp.status == 304) {
                                h->resp.content_length = 0;
                                h->resp.chunked = false;
                        }
                }

                if (h->resp.chunked) {
                        size_t consumed;

                        /* The server's strict decoder, without a size limit: a bare-LF
                         * chunk line is a protocol error here too. */
                        r = http_chunked_feed(&h->chunked, body, body_len, UINT64_MAX, &consumed);
                        h->body_bytes = h->chunked.data;
                        if (r == 0)
                                continue;
                        if (r < 0) {
                                probe_fail(h, N_("malformed chunked body"), 0);
                                return;
                        }
                        probe_success(h);
                        return;
                }

                h->body_bytes += body_len;
                if (h->resp.content_length >= 0 && h->body_bytes >= (uint64_t) h->resp.content_length) {
                        if (h->body_bytes > (uint64_t) h->resp.content_length)
                                h->resp.close = true;   /* extra bytes: do not reuse this connection */
                        h->body_bytes = (uint64_t) h->resp.content_length;
                        probe_success(h);
                        return;
                }
        }
}

static void on_writable(PingHttp *h) {
        if (h->state == HTTP_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err != 0) {
                        probe_fail(h, strerrordesc_np(err), 0);
                        return;
                }
                h->t_connected = ping_now(CLOCK_MONOTONIC);
                begin_request(h);
        }

        while (h->request_sent < h->request_len) {
                ssize_t n = send(h->fd, h->request + h->request_sent, h->request_len - h->request_sent,
                                 MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        if (h->request_sent == 0 && retry_fresh(h))
                                return;
                        probe_fail(h, strerrordesc_np(errno), 0);
                        return;
                }
                h->request_sent += (size_t) n;
        }
        h->t_sent = ping_now(CLOCK_MONOTONIC);
        h->state = HTTP_READ_HEAD;
        (void) sd_event_source_set_io_events(h->io_source, EPOLLIN);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PingHttp *h = userdata;

        switch (h->state) {
        case HTTP_CONNECTING:
        case HTTP_SENDING:
                on_writable(h);
                break;
        case HTTP_READ_HEAD:
        case HTTP_READ_BODY:
                on_readable(h);
                break;
        case HTTP_IDLE:
                /* Kept-alive connection closed or got stray bytes while idle: drop it. */
                close_conn(h);
                break;
        }
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PingHttp *h = userdata;
        Ping *p = h->ping;

        if (h->state != HTTP_IDLE) {
                probe_fail(h, N_("timed out"), 0);
                return 0;
        }
        if (p->sending_done) {
                ping_maybe_finish(p);
                return 0;
        }
        start_probe(h);
        return 0;
}

int ping_http_new(Ping *p, PingHttp **ret) {
        int r;

        assert(p);
        assert(ret);
        assert(p->http_host);
        assert(p->http_path);

        PingHttp *h = calloc(1, sizeof(PingHttp));
        if (!h)
                return -ENOMEM;
        _cleanup_(ping_http_freep) PingHttp *cleanup = h;
        h->fd = -EBADF;
        h->ping = p;

        int n = snprintf(h->request, sizeof(h->request),
                         "GET %s HTTP/1.1\r\n"
                         "Host: %s\r\n"
                         "User-Agent: netlab-ping/%s\r\n"
                         "Accept: */*\r\n"
                         "%s"
                         "\r\n",
                         p->http_path, p->http_host, PACKAGE_VERSION,
                         p->keep_alive ? "" : "Connection: close\r\n");
        if (n < 0 || (size_t) n >= sizeof(h->request))
                return -E2BIG;
        h->request_len = (size_t) n;

        r = sd_event_add_time(p->event, &h->timer_source, CLOCK_MONOTONIC, 0, 1, on_timer, h);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(cleanup);
        return 0;
}
