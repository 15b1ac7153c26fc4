/* exporter_http.c — the HTTP/1.1 side of netlab-ping --exporter: accepting, reading a
 * request head (the daemon's pure http_parse.c; the query by exporter_query.c), routing
 * /probe, /metrics and /, and writing Connection: close answers (exporter_render.c text).
 * It starts runs through exporter_run.h and calls back into exporter.c only through the
 * Exporter helpers declared in exporter.h (admit, count a result, read process metrics). */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "exporter.h"
#include "exporter_query.h"
#include "exporter_render.h"
#include "exporter_run.h"
#include "http_parse.h"
#include "log.h"
#include "strbuf.h"

/* ---- connections ---------------------------------------------------------------------- */

Conn *exporter_conn_free(Conn *c) {
        if (!c)
                return NULL;
        Exporter *x = c->exporter;

        if (c->run) {
                c->run = exporter_run_free(c->run);
                x->in_flight--;
        }
        if (c->prev)
                c->prev->next = c->next;
        else
                x->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        x->n_conns--;
        sd_event_source_disable_unref(c->io_source);
        sd_event_source_disable_unref(c->timer_source);
        safe_close(c->fd);
        free(c->out);
        free(c);
        if (x->stopping && x->n_conns == 0)
                (void) sd_event_exit(x->event, 0);
        return NULL;
}

static const char *status_text(unsigned status) {
        switch (status) {
        case 200:
                return "OK";
        case 400:
                return "Bad Request";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 408:
                return "Request Timeout";
        case 414:
                return "URI Too Long";
        case 431:
                return "Request Header Fields Too Large";
        case 501:
                return "Not Implemented";
        case 503:
                return "Service Unavailable";
        case 505:
                return "HTTP Version Not Supported";
        default:
                return "Error";
        }
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static void conn_write(Conn *c) {
        while (c->out_pos < c->out_len) {
                ssize_t n =
                        send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR) {
                                (void) sd_event_source_set_io_events(c->io_source, EPOLLOUT);
                                return;
                        }
                        log_debug_errno(errno, "Failed to write the answer, closing: %m");
                        break;
                }
                c->out_pos += (size_t) n;
        }
        (void) shutdown(c->fd, SHUT_WR);
        exporter_conn_free(c);
}

/* Queues the whole answer (Connection: close: one request per connection keeps every
 * client-held resource bounded by the connection limit) and writes what the socket takes. */
static void conn_answer(Conn *c, unsigned status, const char *content_type, const char *body,
                        size_t body_len, const char *extra_headers) {
        Exporter *x = c->exporter;
        StrBuf b = {};

        x->proc.http_requests[status >= 200 && status < 600 ? status / 100 - 2 : 4]++;
        strbuf_printf(&b, "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
                      status, status_text(status), content_type, body_len, extra_headers ?: "");
        if (!c->head_only)
                strbuf_put(&b, body, body_len);
        if (strbuf_finish(&b, &c->out, &c->out_len) < 0) {
                strbuf_done(&b);
                exporter_conn_free(c);
                return;
        }
        c->state = CONN_SEND;
        (void) sd_event_source_set_enabled(c->timer_source, SD_EVENT_OFF);
        conn_write(c);
}

static void conn_answer_text(Conn *c, unsigned status, const char *text) {
        char body[256];
        int n = snprintf(body, sizeof(body), "%s\n", text);

        conn_answer(c, status, "text/plain; charset=utf-8", body, (size_t) MIN(n, (int) sizeof(body) - 1),
                    status == 405 ? "Allow: GET, HEAD\r\n" : NULL);
}

/* Renders @r[0..n) and answers it; the reports may point into a run freed before the
 * answer is written, so the text is made first. */
static void conn_answer_reports(Conn *c, const ExporterReport *r, size_t n, ExporterRun *done_run) {
        Exporter *x = c->exporter;
        _cleanup_free_ char *text = NULL;
        StrBuf b = {};
        size_t len;
        int k;

        exporter_render_probes(&b, r, n, x->histogram);
        k = strbuf_finish(&b, &text, &len);
        strbuf_done(&b);
        if (done_run) {
                assert(done_run == c->run);
                c->run = exporter_run_free(c->run);
                x->in_flight--;
        }
        if (k < 0)
                conn_answer_text(c, 503, "Out of memory");
        else
                conn_answer(c, 200, EXPORTER_CONTENT_TYPE, text, len, NULL);
}

static void on_probe_done(ExporterRun *run, void *userdata) {
        Conn *c = userdata;
        ExporterReport r;

        exporter_run_report(run, &r);
        exporter_count_result(c->exporter, &r);
        conn_answer_reports(c, &r, 1, run);
}

static void handle_probe(Conn *c, const HttpRequest *req) {
        Exporter *x = c->exporter;
        ExporterQuery q;
        const char *why = NULL, *shed;
        int r;

        r = exporter_query_parse(req->query.p, req->query.p ? req->query.len : 0, &x->limits, &q, &why);
        if (r < 0) {
                conn_answer_text(c, r == -ENAMETOOLONG ? 414 : 400, why);
                return;
        }

        shed = exporter_admit(x);
        if (shed) {
                ExporterReport rep = { .failure = shed };

                x->proc.probes_failure++;
                conn_answer_reports(c, &rep, 1, NULL);
                return;
        }

        r = exporter_run_new(x->event, x->resolver, &q, x->allow, x->n_allow, on_probe_done, c, &c->run);
        if (r < 0) {
                log_warning_errno(r, "Failed to start a probe of '%s': %m", q.target);
                conn_answer_text(c, 503, "Cannot start a probe now");
                return;
        }
        x->in_flight++;
        c->state = CONN_PROBING;
        (void) sd_event_source_set_enabled(c->timer_source, SD_EVENT_OFF);
        (void) sd_event_source_set_io_events(c->io_source, 0);
}

static void handle_metrics(Conn *c) {
        Exporter *x = c->exporter;
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ ExporterReport *reps = NULL;
        StrBuf b = {};
        size_t len, n = 0;

        exporter_read_process(x);
        exporter_render_process(&b, &x->proc);
        if (x->n_targets > 0) {
                reps = calloc(x->n_targets, sizeof(ExporterReport));
                if (!reps) {
                        strbuf_done(&b);
                        conn_answer_text(c, 503, "Out of memory");
                        return;
                }
                for (size_t i = 0; i < x->n_targets; i++)
                        if (x->targets[i].have_last)
                                reps[n++] = x->targets[i].last_report;
                exporter_render_probes(&b, reps, n, x->histogram);
        }
        if (strbuf_finish(&b, &text, &len) < 0) {
                strbuf_done(&b);
                conn_answer_text(c, 503, "Out of memory");
                return;
        }
        conn_answer(c, 200, EXPORTER_CONTENT_TYPE, text, len, NULL);
}

static const char index_text[] = "netlab-ping exporter\n"
                                 "  /probe?target=HOST[:PORT]&mode=udp|http|stamp&count=N&interval=S&timeout=S\n"
                                 "  /metrics   the prober's own metrics (and the --target windows)\n"
                                 "See netlab-ping(1), EXPORTER MODE.";

static void conn_handle(Conn *c, const HttpRequest *req) {
        if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD) {
                conn_answer_text(c, 405, "Only GET and HEAD");
                return;
        }
        c->head_only = req->method == HTTP_METHOD_HEAD;

#define PATH_IS(lit) (req->path.len == strlen(lit) && memcmp(req->path.p, lit, req->path.len) == 0)
        if (PATH_IS("/probe"))
                handle_probe(c, req);
        else if (PATH_IS("/metrics"))
                handle_metrics(c);
        else if (PATH_IS("/"))
                conn_answer_text(c, 200, index_text);
        else
                conn_answer_text(c, 404, "Not found: try /probe or /metrics");
#undef PATH_IS
}

static void conn_read(Conn *c) {
        static const HttpParseLimits limits = {
                .max_request_line = EXPORTER_HEAD_MAX,
                .max_head = EXPORTER_HEAD_MAX,
                .max_headers = 64,
        };
        HttpRequest req;

        for (;;) {
                size_t prev = c->head_len;

                if (c->head_len >= sizeof(c->head)) {
                        conn_answer_text(c, 431, "Request head too large");
                        return;
                }
                ssize_t n = recv(c->fd, c->head + c->head_len, sizeof(c->head) - c->head_len, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n <= 0) {
                        exporter_conn_free(c); /* closed or reset before a whole head came */
                        return;
                }
                c->head_len += (size_t) n;

                int r = http_parse_request(c->head, c->head_len, prev, &limits, &req, NULL);
                if (r == -EAGAIN)
                        continue;
                if (r < 0) {
                        conn_answer_text(c, http_parse_errno_to_status(r), "Bad request");
                        return;
                }
                conn_handle(c, &req); /* a request body (none expected) is ignored: we close */
                return;
        }
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Conn *c = userdata;

        if (c->state == CONN_RECV_HEAD)
                conn_read(c);
        else if (c->state == CONN_SEND)
                conn_write(c);
        return 0;
}

static int on_conn_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Conn *c = userdata;

        conn_answer_text(c, 408, "Request head not received in time");
        return 0;
}

int exporter_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Exporter *x = userdata;
        int r;

        for (int i = 0; i < 64; i++) {
                _cleanup_close_ int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warning_errno(errno, "Failed to accept a connection, ignoring: %m");
                        return 0;
                }
                if (x->n_conns >= EXPORTER_CONNECTIONS_MAX)
                        continue; /* closed at once: a scraper retries on its next interval */

                Conn *c = calloc(1, sizeof(Conn));
                if (!c)
                        continue;
                c->exporter = x;
                c->fd = TAKE_FD(cfd);
                c->next = x->conns;
                if (x->conns)
                        x->conns->prev = c;
                x->conns = c;
                x->n_conns++;

                r = sd_event_add_io(x->event, &c->io_source, c->fd, EPOLLIN, on_conn_io, c);
                if (r >= 0)
                        r = sd_event_add_time_relative(x->event, &c->timer_source, CLOCK_MONOTONIC,
                                                       EXPORTER_HEADER_TIMEOUT_SEC * USEC_PER_SEC, 0,
                                                       on_conn_timer, c);
                if (r < 0) {
                        log_warning_errno(r, "Failed to watch a connection, closing it: %m");
                        exporter_conn_free(c);
                }
        }
        return 0;
}