/* http_server.c — the HTTP service: owns the listening stream sockets, accepts within
 * http.max_connections (at the cap closing the oldest idle keep-alive connection for the
 * new one, else pausing the listeners, as on EMFILE/ENFILE, instead of spinning) and
 * http.max_connections_per_source (http_peers), and owns the connection set: the list, one nested epoll set and its batched
 * dispatch into http_conn_on_io(), the timeout sweep, and what connections share (the
 * document root fd, MIME table, cache, counters, configuration snapshot, read-buffer
 * pool, scratch buffer and Date cache). Called by daemon.c; calls http_conn. */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>

#include "http_conn.h"
#include "http_peers.h"
#include "http_server.h"
#include "log.h"
#include "mime.h"
#include "sockaddr.h"

#define HTTP_SERVER_LISTEN_MAX 16
/* Accepts per wake-up. Each also serves its request when it is already there, so the
 * bound is on that work too: 16 of them are a few hundred microseconds, and the echo
 * socket gets its turn in between. */
#define HTTP_SERVER_ACCEPT_BUDGET 16
#define HTTP_SERVER_RESUME_USEC (100 * USEC_PER_MSEC)   /* retry after EMFILE/ENFILE */
#define HTTP_SERVER_MIME_MAX (1024U * 1024U)
#define HTTP_SERVER_EPOLL_BATCH 16                      /* ready connections per loop dispatch */
#define HTTP_SERVER_SWEEP_USEC (250 * USEC_PER_MSEC)    /* timeout granularity */
/* The application ID the ETag key is derived under from /etc/machine-id
 * (sd_id128_get_machine_app_specific(): HMAC-SHA256, so the tag key says nothing about
 * the machine ID and the machine ID nothing about the key). */
#define HTTP_SERVER_ETAG_APP_ID SD_ID128_MAKE(5e,1c,0b,3a,9d,24,4f,6e,8a,71,c2,d9,40,b3,16,e8)

struct HttpServer {
        HttpConnShared shared;          /* connections borrow it */
        sd_event *event;
        HttpConn *conns;                /* all open connections (doubly linked) */
        size_t n_conns;
        HttpPeers *peers;               /* open connections per client address */
        sd_event_source *epoll_source;  /* shared.epfd inside the sd-event loop */
        sd_event_source *sweep;         /* periodic timeout sweep, on from the first connection
                                         * until a run finds the set empty */
        bool sweep_on;
        usec_t date_sec;                /* second of shared.date */
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

/* Room for one more: below the cap, or an idle keep-alive connection to close for it. */
static bool http_server_has_room(const HttpServer *s) {
        return s->n_conns < s->shared.conf->http.max_connections || s->shared.idle_first;
}

static bool http_server_may_resume(const HttpServer *s) {
        return s->paused && !s->shared.stopping && http_server_has_room(s) &&
               (!s->resume_timer || sd_event_source_get_enabled(s->resume_timer, NULL) == 0);
}

/* The loop's time and the Date value for every connection step of this iteration: one
 * clock read per dispatch, one date formatting per second. */
static void http_server_refresh(HttpServer *s) {
        uint64_t t;

        if (sd_event_now(s->event, CLOCK_MONOTONIC, &t) < 0)
                t = now(CLOCK_MONOTONIC);
        s->shared.now_usec = t;
        s->shared.clock_usec = MAX(t, s->shared.clock_usec);

        if (sd_event_now(s->event, CLOCK_REALTIME, &t) < 0)
                t = now(CLOCK_REALTIME);
        if (t / USEC_PER_SEC != s->date_sec || s->shared.date[0] == 0) {
                s->date_sec = t / USEC_PER_SEC;
                (void) http_response_format_date(t, s->shared.date);
        }
}

static int http_server_add_conn(HttpServer *s, int fd, const struct sockaddr *peer, socklen_t peer_len,
                                const uint8_t *peer_key, HttpConn **ret) {
        HttpConn *c;
        int r;

        r = http_conn_new(&s->shared, fd, peer, peer_len, &c);
        if (r < 0)
                return r;
        if (peer_key) {
                memcpy(c->peer_key, peer_key, sizeof(c->peer_key));
                c->peer_counted = true;
        }

        c->next = s->conns;
        if (s->conns)
                s->conns->prev = c;
        s->conns = c;
        s->n_conns++;
        if (!s->sweep_on && s->sweep) {
                /* From now, not from when it last ran: a stale time would fire at once. */
                (void) sd_event_source_set_time_relative(s->sweep, HTTP_SERVER_SWEEP_USEC);
                (void) sd_event_source_set_enabled(s->sweep, SD_EVENT_ON);
                s->sweep_on = true;
        }
        *ret = c;
        return 0;
}

/* Unlinks and frees @c (closing its socket also drops it from the epoll set). */
static void http_server_close_conn(HttpServer *s, HttpConn *c) {
        if (c->prev)
                c->prev->next = c->next;
        else
                s->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n_conns--;
        if (c->peer_counted)
                http_peers_remove(s->peers, c->peer_key);
        http_conn_free(c);

        /* The sweep stays armed when the set empties (it turns itself off on its next
         * run): with one connection per request, switching it off and on again would
         * reprogram the timer twice per request. */
        if (http_server_may_resume(s))
                http_server_set_listening(s, true);
}

/* All connections share one epoll set, nested in the sd-event loop as a single source:
 * one dispatch serves up to HTTP_SERVER_EPOLL_BATCH ready connections. sd-event polls its
 * epoll once per dispatched source, so one source per connection would cost an
 * epoll_wait() per request (and an sd_event_source per idle connection). The batch bound
 * keeps the echo socket's turn coming. A failing epoll_wait() is returned: the source has
 * exit-on-failure set, so the loop ends instead of HTTP going silent. */
static int http_server_on_epoll(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        HttpServer *s = userdata;
        struct epoll_event ev[HTTP_SERVER_EPOLL_BATCH];
        int n;

        n = epoll_wait(s->shared.epfd, ev, ELEMENTSOF(ev), 0);
        if (n < 0)
                return errno == EINTR ? 0 : -errno;

        http_server_refresh(s);
        s->shared.send_budget = HTTP_CONN_DISPATCH_SEND_BUDGET;
        for (int i = 0; i < n; i++) {
                HttpConn *c = ev[i].data.ptr;

                if (http_conn_on_io(c, ev[i].events) < 0)
                        http_server_close_conn(s, c);
        }
        /* Paused at the cap, and a connection went idle: it can make room now. */
        if (http_server_may_resume(s))
                http_server_set_listening(s, true);
        return 0;
}

/* The periodic timeout sweep: 408 for slow heads, closes idle and stalled connections. */
static int http_server_on_sweep(sd_event_source *src, uint64_t usec, void *userdata) {
        HttpServer *s = userdata;
        HttpConn *next;

        if (s->n_conns == 0) { /* idle: no more wake-ups until the next connection */
                (void) sd_event_source_set_enabled(src, SD_EVENT_OFF);
                s->sweep_on = false;
                return 0;
        }
        http_server_refresh(s);
        for (HttpConn *c = s->conns; c; c = next) {
                next = c->next;
                if (http_conn_check_timeout(c, s->shared.now_usec) < 0)
                        http_server_close_conn(s, c);
        }

        (void) sd_event_source_set_time_relative(src, HTTP_SERVER_SWEEP_USEC);
        return 0;
}

static void http_server_flush_pool(HttpServer *s) {
        while (s->shared.n_rbuf_pool > 0)
                free(s->shared.rbuf_pool[--s->shared.n_rbuf_pool]);
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
                r = sd_event_add_time_relative(s->event, &s->resume_timer, CLOCK_MONOTONIC,
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

        http_server_refresh(s); /* a new connection's clock starts from it */
        s->shared.send_budget = HTTP_CONN_DISPATCH_SEND_BUDGET; /* shared by the requests served here */
        for (unsigned i = 0; i < HTTP_SERVER_ACCEPT_BUDGET; i++) {
                union {
                        struct sockaddr sa;
                        struct sockaddr_in6 in6;
                        struct sockaddr_in in;
                } peer;
                socklen_t peer_len = sizeof(peer);
                int cfd;

                const ConfHttp *h = &s->shared.conf->http;
                uint8_t key[16];
                bool counted;

                if (!http_server_has_room(s)) {
                        /* At the cap and nothing idle: the kernel backlog holds the rest
                         * until a slot frees or a connection goes idle. */
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
                                s->shared.counters.connections_rejected++;
                                s->shared.counters.rejected_resources++;
                                http_server_pause_for_fds(s, -errno);
                                return 0;
                        default:
                                log_warning_errno(-errno, "Failed to accept HTTP connection, ignoring: %m");
                                return 0;
                        }
                }

                s->shared.counters.connections_accepted++;

                /* One address may hold max_connections_per_source: the rest of the set
                 * stays for everybody else. An address the table cannot take (out of
                 * memory) is served uncounted rather than refused. */
                counted = sockaddr_v4mapped((const SockAddr *) &peer, key) >= 0;
                if (counted) {
                        r = http_peers_add(s->peers, key, h->max_connections_per_source);
                        if (r == -EUSERS) {
                                s->shared.counters.connections_rejected++;
                                s->shared.counters.rejected_per_source++;
                                http_conn_refuse(&s->shared, cfd, HTTP_REASON_PER_SOURCE);
                                continue;
                        }
                        if (r < 0) {
                                s->shared.counters.oom++;
                                counted = false;
                        }
                }

                if (s->n_conns >= h->max_connections) {
                        /* The oldest idle keep-alive connection makes room (its client
                         * retries on a new one, RFC 9112 §9.3.1 allows closing it). */
                        assert(s->shared.idle_first);
                        s->shared.counters.connections_evicted++;
                        http_server_close_conn(s, s->shared.idle_first);
                }

                HttpConn *c = NULL;

                r = http_server_add_conn(s, cfd, &peer.sa, peer_len, counted ? key : NULL, &c);
                if (r >= 0) {
                        /* The request usually follows the handshake at once: reading it
                         * now saves a round through the loop (two epoll_wait()s) when it
                         * is there, and costs one recv() that says EAGAIN when not. The
                         * connection joins the epoll set only if it has to wait, so one
                         * answered and closed right here costs no epoll_ctl() either. */
                        if (http_conn_on_io(c, EPOLLIN) < 0)
                                http_server_close_conn(s, c);
                        else if (c->events == 0) {
                                /* It has to wait but could not join the set (ENOMEM,
                                 * fs.epoll.max_user_watches): it would hang until its
                                 * timeout, so it goes now, counted. */
                                s->shared.counters.connections_rejected++;
                                s->shared.counters.rejected_resources++;
                                http_server_close_conn(s, c);
                        }
                } else {
                        if (counted)
                                http_peers_remove(s->peers, key);
                        s->shared.counters.connections_rejected++;
                        s->shared.counters.rejected_resources++;
                        if (r == -ENOMEM)
                                s->shared.counters.oom++;
                        log_warning_errno(r, "Failed to set up HTTP connection, ignoring: %m");
                }
        }
        return 0;
}

static uint64_t random_u64(void) {
        uint64_t v;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t) sizeof(v))
                v = now(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);  /* early boot: still unknown to peers */
        return v;
}

/* The ETag key: derived from /etc/machine-id, so the tags of a file stay the same across
 * restarts (caches keep validating) while telling nobody its inode number. Without a
 * machine ID (a bare container) a random key per start: tags change on restart, which
 * costs one full download per file and client, nothing else. */
static void etag_key(uint8_t key[static HTTP_SERVE_ETAG_KEY_SIZE]) {
        sd_id128_t id;
        int r;

        r = sd_id128_get_machine_app_specific(HTTP_SERVER_ETAG_APP_ID, &id);
        if (r >= 0) {
                memcpy(key, id.bytes, HTTP_SERVE_ETAG_KEY_SIZE);
                return;
        }
        log_debug_errno(r, "Failed to read the machine ID, ETags change at every start: %m");
        for (size_t i = 0; i < HTTP_SERVE_ETAG_KEY_SIZE; i += 8) {
                uint64_t v = random_u64();

                memcpy(key + i, &v, 8);
        }
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
        s->shared.root_fd = -EBADF;
        s->shared.epfd = -EBADF;
        s->event = sd_event_ref(event);
        s->shared.conf = conf_ref(conf);
        for (size_t i = 0; i < n_fds; i++) {
                if (s->n_fds < HTTP_SERVER_LISTEN_MAX)
                        s->fds[s->n_fds++] = fds[i];
                else
                        safe_close(fds[i]);
        }

        s->shared.root_fd = open_root(conf->http.root);
        if (s->shared.root_fd < 0)
                return s->shared.root_fd;

        r = load_mime(&s->shared.mime);
        if (r < 0)
                return r;
        etag_key(s->shared.etag_key);
        r = http_cache_new(s->shared.etag_key, &s->shared.cache);
        if (r < 0)
                return r;
        r = http_peers_new(random_u64(), &s->peers);
        if (r < 0)
                return r;

        s->shared.epfd = epoll_create1(EPOLL_CLOEXEC);
        if (s->shared.epfd < 0)
                return -errno;
        r = sd_event_add_io(event, &s->epoll_source, s->shared.epfd, EPOLLIN, http_server_on_epoll, s);
        if (r < 0)
                return r;
        /* Like the listeners: a broken connection set ends the loop, it does not go silent. */
        (void) sd_event_source_set_exit_on_failure(s->epoll_source, true);

        r = sd_event_add_time_relative(event, &s->sweep, CLOCK_MONOTONIC, HTTP_SERVER_SWEEP_USEC,
                                       HTTP_SERVER_SWEEP_USEC / 4, http_server_on_sweep, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->sweep, SD_EVENT_OFF);

        for (size_t i = 0; i < s->n_fds; i++) {
                r = sd_event_add_io(event, &s->listeners[i], s->fds[i], EPOLLIN, http_server_on_accept, s);
                if (r < 0)
                        return r;
                /* A broken listener ends the loop instead of spinning. */
                (void) sd_event_source_set_exit_on_failure(s->listeners[i], true);
        }

        log_debug("HTTP: serving '%s', %zu MIME extensions", conf->http.root, mime_table_size(s->shared.mime));
        *ret = TAKE_PTR(s);
        return 0;
}

void http_server_set_dynamic(HttpServer *s, HttpDynamicFunc func, void *userdata) {
        assert(s);

        s->shared.dynamic = func;
        s->shared.dynamic_userdata = userdata;
}

int http_server_apply_conf(HttpServer *s, Conf *conf) {
        int fd;

        assert(s);
        assert(conf);

        fd = open_root(conf->http.root);
        if (fd < 0)
                return fd;
        safe_close(s->shared.root_fd);
        s->shared.root_fd = fd;
        /* Connections keep the snapshot their current request started with (conf_ref);
         * the next request on each takes this one. */
        conf_unref(s->shared.conf);
        s->shared.conf = conf_ref(conf);
        http_server_flush_pool(s);
        http_cache_flush(s->shared.cache);

        if (s->paused && http_server_may_resume(s))
                http_server_set_listening(s, true);
        else if (!s->paused && !http_server_has_room(s))
                http_server_set_listening(s, false);
        return 0;
}

void http_server_stop(HttpServer *s) {
        HttpConn *next;

        if (!s)
                return;
        http_server_set_listening(s, false);
        s->shared.stopping = true;
        for (HttpConn *c = s->conns; c; c = next) {
                next = c->next;
                if (http_conn_stop(c) < 0)
                        http_server_close_conn(s, c);
        }
}

bool http_server_is_idle(const HttpServer *s) {
        return !s || s->n_conns == 0;
}

const HttpCounters *http_server_get_counters(const HttpServer *s) {
        assert(s);
        return &s->shared.counters;
}

const MetricsHttp *http_server_get_metrics(const HttpServer *s) {
        assert(s);
        return &s->shared.metrics;
}

size_t http_server_n_connections(const HttpServer *s) {
        return s ? s->n_conns : 0;
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        while (s->conns) {
                HttpConn *c = s->conns;

                s->conns = c->next;
                http_conn_free(c);
        }
        http_server_flush_pool(s);
        sd_event_source_disable_unref(s->epoll_source);
        safe_close(s->shared.epfd);
        for (size_t i = 0; i < s->n_fds; i++) {
                sd_event_source_disable_unref(s->listeners[i]);
                safe_close(s->fds[i]);
        }
        sd_event_source_disable_unref(s->resume_timer);
        sd_event_source_disable_unref(s->sweep);
        http_cache_free(s->shared.cache);
        http_peers_free(s->peers);
        mime_table_free(s->shared.mime);
        safe_close(s->shared.root_fd);
        conf_unref(s->shared.conf);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}
