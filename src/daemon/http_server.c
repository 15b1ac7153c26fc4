/* http_server.c — HTTP service (foundation version): accepts connections and answers
 * every one with 503 until the file server lands (HTTP issue). Owns the listening
 * sockets and checks that the document root can be opened. */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "http_server.h"
#include "log.h"

struct HttpServer {
        sd_event *event;
        Conf *conf;
        int root_fd;
        int fds[16];
        sd_event_source *sources[16];
        size_t n_fds;
        HttpCounters counters;
};

static int open_root(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

static int http_server_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        static const char reply[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                    "Connection: close\r\n\r\n";
        HttpServer *h = userdata;
        _cleanup_close_ int c = -EBADF;

        c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0)
                return 0;
        h->counters.connections_accepted++;
        if (send(c, reply, sizeof(reply) - 1, MSG_NOSIGNAL) > 0)
                h->counters.responses_by_class[5]++;
        return 0;
}

int http_server_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, HttpServer **ret) {
        _cleanup_(http_server_freep) HttpServer *h = NULL;
        int r;

        h = calloc(1, sizeof(HttpServer));
        if (!h) {
                for (size_t i = 0; i < n_fds; i++)
                        safe_close(fds[i]);
                return -ENOMEM;
        }
        h->root_fd = -EBADF;
        h->event = sd_event_ref(event);
        h->conf = conf_ref(conf);
        for (size_t i = 0; i < n_fds && i < ELEMENTSOF(h->fds); i++)
                h->fds[h->n_fds++] = fds[i];

        h->root_fd = open_root(conf->http.root);
        if (h->root_fd < 0)
                return h->root_fd;

        for (size_t i = 0; i < h->n_fds; i++) {
                r = sd_event_add_io(event, &h->sources[i], h->fds[i], EPOLLIN, http_server_on_accept, h);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

void http_server_set_dynamic(HttpServer *s, HttpDynamicFunc func, void *userdata) {
}

int http_server_apply_conf(HttpServer *s, Conf *conf) {
        int fd = open_root(conf->http.root);

        if (fd < 0)
                return fd;
        safe_close(s->root_fd);
        s->root_fd = fd;
        conf_unref(s->conf);
        s->conf = conf_ref(conf);
        return 0;
}

void http_server_stop(HttpServer *s) {
        for (size_t i = 0; i < s->n_fds; i++)
                (void) sd_event_source_set_enabled(s->sources[i], SD_EVENT_OFF);
}

bool http_server_is_idle(const HttpServer *s) {
        return true;
}

const HttpCounters *http_server_get_counters(const HttpServer *s) {
        return &s->counters;
}

size_t http_server_n_connections(const HttpServer *s) {
        return 0;
}

char *http_server_format_summary(const HttpServer *s, char *buf, size_t len) {
        snprintf(buf, len, "connections %llu", (unsigned long long) s->counters.connections_accepted);
        return buf;
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_fds; i++) {
                sd_event_source_disable_unref(s->sources[i]);
                safe_close(s->fds[i]);
        }
        safe_close(s->root_fd);
        conf_unref(s->conf);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}
