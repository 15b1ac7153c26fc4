/* echo.c — UDP echo service (foundation version): every datagram is sent back
 * verbatim (RFC 862). The impairment model and the netlab probe stamping replace the
 * body of echo_on_readable() in the echo issue; the interface stays. */
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "echo.h"
#include "log.h"

#define ECHO_DATAGRAM_MAX 65535
#define ECHO_BATCH_MAX 64               /* datagrams per wakeup: keeps HTTP responsive */

struct Echo {
        sd_event *event;
        Conf *conf;
        int fds[16];
        sd_event_source *sources[16];
        size_t n_fds;
        EchoCounters counters;
        uint8_t buf[ECHO_DATAGRAM_MAX];
};

static int echo_on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Echo *e = userdata;

        for (int i = 0; i < ECHO_BATCH_MAX; i++) {
                struct sockaddr_storage peer;
                socklen_t peer_len = sizeof(peer);
                ssize_t n;

                n = recvfrom(fd, e->buf, sizeof(e->buf), MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *) &peer,
                             &peer_len);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        log_debug_errno(errno, "Failed to receive datagram, ignoring: %m");
                        return 0;
                }
                e->counters.received++;
                e->counters.bytes_in += (uint64_t) n;
                if ((size_t) n > sizeof(e->buf)) {
                        e->counters.truncated++;
                        continue;
                }
                if (sendto(fd, e->buf, (size_t) n, MSG_DONTWAIT, (struct sockaddr *) &peer, peer_len) < 0) {
                        e->counters.send_errors++;
                        continue;
                }
                e->counters.replied++;
                e->counters.bytes_out += (uint64_t) n;
        }
        return 0;
}

int echo_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, Echo **ret) {
        _cleanup_(echo_freep) Echo *e = NULL;
        int r;

        assert(event);
        assert(conf);
        assert(ret);

        e = calloc(1, sizeof(Echo));
        if (!e) {
                for (size_t i = 0; i < n_fds; i++)
                        safe_close(fds[i]);
                return -ENOMEM;
        }
        e->event = sd_event_ref(event);
        e->conf = conf_ref(conf);
        for (size_t i = 0; i < n_fds && i < ELEMENTSOF(e->fds); i++)
                e->fds[e->n_fds++] = fds[i];

        for (size_t i = 0; i < e->n_fds; i++) {
                r = sd_event_add_io(event, &e->sources[i], e->fds[i], EPOLLIN, echo_on_readable, e);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

int echo_apply_conf(Echo *e, Conf *conf) {
        assert(e);
        conf_unref(e->conf);
        e->conf = conf_ref(conf);
        return 0;
}

void echo_stop(Echo *e) {
        assert(e);
        for (size_t i = 0; i < e->n_fds; i++)
                (void) sd_event_source_set_enabled(e->sources[i], SD_EVENT_OFF);
}

bool echo_is_idle(const Echo *e) {
        return true;
}

const EchoCounters *echo_get_counters(const Echo *e) {
        return &e->counters;
}

size_t echo_queue_length(const Echo *e) {
        return 0;
}

size_t echo_n_flows(const Echo *e) {
        return 0;
}

char *echo_format_summary(const Echo *e, char *buf, size_t len) {
        snprintf(buf, len, "received %llu, replied %llu, truncated %llu, send errors %llu",
                 (unsigned long long) e->counters.received, (unsigned long long) e->counters.replied,
                 (unsigned long long) e->counters.truncated, (unsigned long long) e->counters.send_errors);
        return buf;
}

Echo *echo_free(Echo *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_fds; i++) {
                sd_event_source_disable_unref(e->sources[i]);
                safe_close(e->fds[i]);
        }
        conf_unref(e->conf);
        sd_event_unref(e->event);
        free(e);
        return NULL;
}
