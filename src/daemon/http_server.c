/* http_server.c — the HTTP service: owns the listening stream sockets, accepts within
 * http.max_connections (pausing the listeners at the cap and on EMFILE/ENFILE instead of
 * spinning), hands each connection to http_conn.c, and holds what connections share:
 * the document root fd, the MIME table, the counters and the configuration snapshot. */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "http_conn.h"
#include "http_server.h"
#include "log.h"
#include "mime.h"

#define HTTP_SERVER_LISTEN_MAX 16
#define HTTP_SERVER_ACCEPT_BUDGET 64                    /* accepts per wake-up */
#define HTTP_SERVER_RESUME_USEC (100 * USEC_PER_MSEC)   /* retry after EMFILE/ENFILE */
#define HTTP_SERVER_MIME_TYPES "/etc/mime.types"
#define HTTP_SERVER_MIME_MAX (1024U * 1024U)

struct HttpServer {
        HttpConnEnv env;                /* first: connections point at it */
        int fds[HTTP_SERVER_LISTEN_MAX];
        sd_event_source *listeners[HTTP_SERVER_LISTEN_MAX];
        size_t n_fds;
        bool paused;                    /* listeners off: at the cap or out of fds */
        sd_event_source *resume_timer;
        usec_t last_emfile_log_usec;
};

static int open_root(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

/* Reads /etc/mime.types once at start; a missing or unreadable file leaves the built-in
 * table, which covers the usual web files. */
static int load_mime(MimeTable **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        f = fopen(HTTP_SERVER_MIME_TYPES, "re");
        if (f) {
                text = malloc(HTTP_SERVER_MIME_MAX);
                if (!text)
                        return -ENOMEM;
                len = fread(text, 1, HTTP_SERVER_MIME_MAX, f);
                if (ferror(f))
                        len = 0;
        } else
                log_debug_errno(-errno, "Failed to open '%s', using built-in MIME types: %m",
                                HTTP_SERVER_MIME_TYPES);
        return mime_table_new(text, len, ret);
}

static void http_server_set_listening(HttpServer *s, bool on) {
        for (size_t i = 0; i < s->n_fds; i++)
                (void) sd_event_source_set_enabled(s->listeners[i], on ? SD_EVENT_ON : SD_EVENT_OFF);
        s->paused = !on;
}

static bool http_server_may_resume(const HttpServer *s) {
        return s->paused && !s->env.stopping && s->env.n_conns < s->env.conf->http.max_connections &&
               (!s->resume_timer || sd_event_source_get_enabled(s->resume_timer, NULL) == 0);
}

static void on_conn_closed(void *userdata) {
        HttpServer *s = userdata;

        if (http_server_may_resume(s))
                http_server_set_listening(s, true);
}

static int on_resume_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        HttpServer *s = userdata;

        (void) sd_event_source_set_enabled(src, SD_EVENT_OFF);
        if (http_server_may_resume(s))
                http_server_set_listening(s, true);
        return 0;
}

/* Out of file descriptors: stop accepting for a moment rather than spin on a listener
 * that stays readable. Connections closing, or the timer, turn accepting back on. */
static void http_server_pause_for_fds(HttpServer *s, int error) {
        usec_t t = now(CLOCK_MONOTONIC);
        int r;

        http_server_set_listening(s, false);
        if (!s->resume_timer) {
                r = sd_event_add_time_relative(s->env.event, &s->resume_timer, CLOCK_MONOTONIC,
                                               HTTP_SERVER_RESUME_USEC, 0, on_resume_timer, s);
                if (r < 0) {
                        log_warning_errno(r, "Failed to add accept resume timer, ignoring: %m");
                        return;
                }
        } else {
                (void) sd_event_source_set_time_relative(s->resume_timer, HTTP_SERVER_RESUME_USEC);
                (void) sd_event_source_set_enabled(s->resume_timer, SD_EVENT_ONESHOT);
        }
        if (t - s->last_emfile_log_usec > 10 * USEC_PER_SEC) {
                s->last_emfile_log_usec = t;
                log_warning_errno(error, "Failed to accept HTTP connection, pausing accepts: %m");
        }
}

static int http_server_on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        HttpServer *s = userdata;
        int r;

        for (unsigned i = 0; i < HTTP_SERVER_ACCEPT_BUDGET; i++) {
                union {
                        struct sockaddr sa;
                        struct sockaddr_in6 in6;
                        struct sockaddr_in in;
                } peer;
                socklen_t peer_len = sizeof(peer);
                int cfd;

                if (s->env.n_conns >= s->env.conf->http.max_connections) {
                        /* At the cap: the kernel backlog holds the rest until a slot frees. */
                        http_server_set_listening(s, false);
                        return 0;
                }

                cfd = accept4(fd, &peer.sa, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        switch (errno) {
                        case EAGAIN:
                                return 0;
                        case EINTR:
                        case ECONNABORTED:
                        case EPROTO:
                        case EPERM:
                                continue;
                        case EMFILE:
                        case ENFILE:
                        case ENOBUFS:
                        case ENOMEM:
                                s->env.counters.connections_rejected++;
                                http_server_pause_for_fds(s, -errno);
                                return 0;
                        default:
                                log_warning_errno(-errno, "Failed to accept HTTP connection, ignoring: %m");
                                return 0;
                        }
                }

                s->env.counters.connections_accepted++;
                r = http_conn_new(&s->env, cfd, &peer.sa, peer_len);
                if (r < 0) {
                        s->env.counters.connections_rejected++;
                        log_warning_errno(r, "Failed to set up HTTP connection, ignoring: %m");
                }
        }
        return 0;
}

int http_server_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, HttpServer **ret) {
        _cleanup_(http_server_freep) HttpServer *s = NULL;
        int r;

        assert(event);
        assert(conf);
        assert(fds || n_fds == 0);
        assert(ret);

        s = calloc(1, sizeof(HttpServer));
        if (!s) {
                for (size_t i = 0; i < n_fds; i++)
                        safe_close(fds[i]);
                return -ENOMEM;
        }
        s->env.root_fd = -EBADF;
        s->env.epfd = -EBADF;
        s->env.event = sd_event_ref(event);
        s->env.conf = conf_ref(conf);
        s->env.on_conn_closed = on_conn_closed;
        s->env.on_conn_closed_userdata = s;
        for (size_t i = 0; i < n_fds; i++) {
                if (s->n_fds < HTTP_SERVER_LISTEN_MAX)
                        s->fds[s->n_fds++] = fds[i];
                else
                        safe_close(fds[i]);
        }

        s->env.root_fd = open_root(conf->http.root);
        if (s->env.root_fd < 0)
                return s->env.root_fd;

        r = load_mime(&s->env.mime);
        if (r < 0)
                return r;
        r = http_cache_new(&s->env.cache);
        if (r < 0)
                return r;
        r = http_conn_env_init(&s->env);
        if (r < 0)
                return r;

        r = sd_event_add_time_relative(event, &s->env.sweep, CLOCK_MONOTONIC, HTTP_SERVER_SWEEP_USEC,
                                       HTTP_SERVER_SWEEP_USEC / 4, http_conn_env_on_sweep, &s->env);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->env.sweep, SD_EVENT_OFF);

        for (size_t i = 0; i < s->n_fds; i++) {
                r = sd_event_add_io(event, &s->listeners[i], s->fds[i], EPOLLIN, http_server_on_accept, s);
                if (r < 0)
                        return r;
                /* A broken listener ends the loop instead of spinning. */
                (void) sd_event_source_set_exit_on_failure(s->listeners[i], true);
        }

        log_debug("HTTP: serving '%s', %zu MIME extensions", conf->http.root, mime_table_size(s->env.mime));
        *ret = TAKE_PTR(s);
        return 0;
}

void http_server_set_dynamic(HttpServer *s, HttpDynamicFunc func, void *userdata) {
        assert(s);

        s->env.dynamic = func;
        s->env.dynamic_userdata = userdata;
}

int http_server_apply_conf(HttpServer *s, Conf *conf) {
        int fd;

        assert(s);
        assert(conf);

        fd = open_root(conf->http.root);
        if (fd < 0)
                return fd;
        safe_close(s->env.root_fd);
        s->env.root_fd = fd;
        conf_unref(s->env.conf);
        s->env.conf = conf_ref(conf);
        http_conn_env_flush_pool(&s->env);
        http_cache_flush(s->env.cache);

        if (s->paused && http_server_may_resume(s))
                http_server_set_listening(s, true);
        else if (!s->paused && s->env.n_conns >= conf->http.max_connections)
                http_server_set_listening(s, false);
        return 0;
}

void http_server_stop(HttpServer *s) {
        if (!s)
                return;
        http_server_set_listening(s, false);
        http_conn_env_stop(&s->env);
}

bool http_server_is_idle(const HttpServer *s) {
        return !s || s->env.n_conns == 0;
}

const HttpCounters *http_server_get_counters(const HttpServer *s) {
        assert(s);
        return &s->env.counters;
}

const MetricsHttp *http_server_get_metrics(const HttpServer *s) {
        assert(s);
        return &s->env.metrics;
}

size_t http_server_n_connections(const HttpServer *s) {
        return s ? s->env.n_conns : 0;
}

char *http_server_format_summary(const HttpServer *s, char *buf, size_t len) {
        const HttpCounters *c = &s->env.counters;

        (void) snprintf(buf, len,
                        "connections %" PRIu64 " accepted, %" PRIu64 " rejected, %zu open; requests %" PRIu64
                        " (2xx %" PRIu64 ", 3xx %" PRIu64 ", 4xx %" PRIu64 ", 5xx %" PRIu64 "); %" PRIu64
                        " bytes; %" PRIu64 " timeouts",
                        c->connections_accepted, c->connections_rejected, s->env.n_conns, c->requests,
                        c->responses_by_class[2], c->responses_by_class[3], c->responses_by_class[4],
                        c->responses_by_class[5], c->response_bytes, c->timeouts);
        return buf;
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        http_conn_env_done(&s->env);
        for (size_t i = 0; i < s->n_fds; i++) {
                sd_event_source_disable_unref(s->listeners[i]);
                safe_close(s->fds[i]);
        }
        sd_event_source_disable_unref(s->resume_timer);
        sd_event_source_disable_unref(s->env.sweep);
        http_cache_free(s->env.cache);
        mime_table_free(s->env.mime);
        safe_close(s->env.root_fd);
        conf_unref(s->env.conf);
        sd_event_unref(s->env.event);
        free(s);
        return NULL;
}
