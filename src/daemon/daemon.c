/* daemon.c — ties configuration, sockets and services together. Startup goes
 * daemon_new() -> daemon_open_sockets() -> daemon_start_services(); SIGHUP lands in
 * daemon_reload(), SIGTERM in daemon_begin_shutdown(). The event loop itself (signals,
 * watchdog, sd_notify) is in loop.c. */
#include <assert.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "impair.h"
#include "log.h"
#include "metrics.h"

#define DRAIN_POLL_USEC (20 * USEC_PER_MSEC)

int daemon_new(const char *conf_path, bool conf_path_explicit, Conf *conf, Daemon **ret) {
        _cleanup_(daemon_freep) Daemon *d = NULL;
        int r;

        assert(conf_path);
        assert(conf);
        assert(ret);

        d = calloc(1, sizeof(Daemon));
        if (!d)
                return -ENOMEM;
        d->conf_path = strdup(conf_path);
        if (!d->conf_path)
                return -ENOMEM;
        d->conf_path_explicit = conf_path_explicit;
        d->conf = conf_ref(conf);
        d->start_realtime_usec = now(CLOCK_REALTIME);
        d->start_monotonic_usec = now(CLOCK_MONOTONIC);

        r = sd_event_new(&d->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(d);
        return 0;
}

/* Logs each socket's address and collects them into @summary for STATUS=. */
static void log_sockets(const char *what, const int *fds, size_t n, char *summary, size_t len) {
        summary[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                SocketAddress a = { .len = sizeof(a.storage) };
                char buf[80];

                if (getsockname(fds[i], &a.sa, &a.len) < 0)
                        continue;
                sockets_format_address(&a, buf, sizeof(buf));
                log_info("Listening on %s (%s)", buf, what);
                snprintf(summary + strlen(summary), len - strlen(summary), "%s%s", i ? " " : "", buf);
        }
}

int daemon_open_sockets(Daemon *d) {
        _cleanup_free_ char *msg = NULL;
        const char *address = NULL;
        int r;

        assert(d);

        r = sockets_from_activation(&d->sockets, &msg);
        if (r < 0)
                return log_error_errno(r, "Failed to take the sockets passed by the service manager: %s",
                                       msg ?: "unknown error");
        if (r > 0) {
                log_info("Using %d socket(s) passed by the service manager", r);
                if (d->sockets.n_fds[SOCKET_KIND_ECHO] == 0)
                        log_notice("No datagram socket was passed: the echo service is off");
                if (d->sockets.n_fds[SOCKET_KIND_HTTP] == 0)
                        log_notice("No stream socket was passed: the HTTP service is off");
        } else {
                r = sockets_bind_all(d->conf, &d->sockets, &address);
                if (r < 0)
                        return log_error_errno(r, "Failed to listen on '%s': %m%s", address ?: "?",
                                               r == -EADDRINUSE ? " (another process uses this port)" :
                                               r == -EACCES ? " (ports below 1024 need privileges)" : "");
        }

        log_sockets("udp echo", d->sockets.fds[SOCKET_KIND_ECHO], d->sockets.n_fds[SOCKET_KIND_ECHO],
                    d->echo_addresses, sizeof(d->echo_addresses));
        log_sockets("http", d->sockets.fds[SOCKET_KIND_HTTP], d->sockets.n_fds[SOCKET_KIND_HTTP],
                    d->http_addresses, sizeof(d->http_addresses));
        return 0;
}

/* The HttpDynamicFunc behind /metrics and /api/status: one snapshot of every counter
 * and of the one Conf in effect, rendered by metrics.c. */
static int daemon_serve_dynamic(void *userdata, HttpEndpoint endpoint, char **ret_body, size_t *ret_len,
                                const char **ret_content_type) {
        Daemon *d = userdata;
        usec_t mono = now(CLOCK_MONOTONIC);
        MetricsSnapshot snap = {
                .conf = d->conf,
                .version = PACKAGE_VERSION,
                .echo = d->echo ? echo_get_counters(d->echo) : NULL,
                .http = d->http ? http_server_get_counters(d->http) : NULL,
                .http_requests = d->http ? http_server_get_metrics(d->http) : NULL,
                .echo_queue_length = d->echo ? echo_queue_length(d->echo) : 0,
                .echo_flows = d->echo ? echo_n_flows(d->echo) : 0,
                .http_connections = d->http ? http_server_n_connections(d->http) : 0,
                .start_realtime_usec = d->start_realtime_usec,
                .now_realtime_usec = now(CLOCK_REALTIME),
                .uptime_usec = mono - d->start_monotonic_usec,
                .reloads = d->n_reloads,
                .reload_failures = d->n_reload_failures,
        };

        return metrics_serve(&snap, endpoint == HTTP_ENDPOINT_METRICS ? METRICS_FORMAT_PROMETHEUS : METRICS_FORMAT_JSON,
                             ret_body, ret_len, ret_content_type);
}

int daemon_start_services(Daemon *d) {
        SocketSet *s;
        int r;

        assert(d);
        s = &d->sockets;

        if (s->n_fds[SOCKET_KIND_ECHO] > 0) {
                /* Ownership of the fds moves to the service even on failure. */
                r = echo_new(d->event, d->conf, s->fds[SOCKET_KIND_ECHO], s->n_fds[SOCKET_KIND_ECHO], &d->echo);
                s->n_fds[SOCKET_KIND_ECHO] = 0;
                if (r < 0)
                        return log_error_errno(r, "Failed to start the echo service: %m");
        }

        if (s->n_fds[SOCKET_KIND_HTTP] > 0) {
                r = http_server_new(d->event, d->conf, s->fds[SOCKET_KIND_HTTP], s->n_fds[SOCKET_KIND_HTTP],
                                    &d->http);
                s->n_fds[SOCKET_KIND_HTTP] = 0;
                if (r < 0)
                        return log_error_errno(r, "Failed to start the HTTP service with document root '%s': %m%s",
                                               d->conf->http.root,
                                               r == -EACCES ? " (under DynamicUser= the root and its parents "
                                               "must be world-readable: chmod o+rX)" : "");
                http_server_set_dynamic(d->http, daemon_serve_dynamic, d);
        }
        return 0;
}

int daemon_reload(Daemon *d) {
        _cleanup_(conf_unrefp) Conf *fresh = NULL;
        _cleanup_free_ char *msg = NULL, *restart = NULL;
        unsigned line = 0;
        int r;

        assert(d);

        r = conf_load(d->conf_path, &fresh, &line, &msg);
        if (r == -ENOENT && !d->conf_path_explicit)
                r = conf_new_default(&fresh);   /* default file removed: back to built-ins */
        if (r < 0) {
                d->n_reload_failures++;
                if (r == -EBADMSG)
                        return log_error_errno(r, "%s:%u: %s; keeping the previous configuration",
                                               d->conf_path, line, msg ?: "invalid configuration");
                return log_error_errno(r, "%s: cannot read: %m; keeping the previous configuration",
                                       d->conf_path);
        }

        restart = conf_restart_keys_changed(d->conf, fresh);
        if (restart)
                log_warning("%s: changes to %s take effect only after a restart", d->conf_path, restart);

        /* Apply to the services first: if one refuses (e.g. new document root missing),
         * nothing has changed yet and the old snapshot stays whole. */
        if (d->http) {
                r = http_server_apply_conf(d->http, fresh);
                if (r < 0) {
                        d->n_reload_failures++;
                        return log_error_errno(r, "%s: cannot use document root '%s': %m; keeping the "
                                               "previous configuration", d->conf_path, fresh->http.root);
                }
        }
        if (d->echo) {
                r = echo_apply_conf(d->echo, fresh);
                if (r < 0) {
                        d->n_reload_failures++;
                        if (d->http)
                                (void) http_server_apply_conf(d->http, d->conf);
                        return log_error_errno(r, "%s: cannot apply echo settings: %m; keeping the "
                                               "previous configuration", d->conf_path);
                }
        }

        if (!d->verbose)
                log_set_max_level(fresh->log_level);
        conf_unref(d->conf);
        d->conf = TAKE_PTR(fresh);
        d->n_reloads++;
        log_info("Reloaded configuration from %s", d->conf_path);
        return 0;
}

static bool daemon_is_idle(const Daemon *d) {
        return (!d->echo || echo_is_idle(d->echo)) && (!d->http || http_server_is_idle(d->http));
}

static int on_drain_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;

        if (daemon_is_idle(d)) {
                log_debug("In-flight work finished, exiting");
                return sd_event_exit(d->event, 0);
        }
        if (usec >= d->shutdown_deadline_usec) {
                log_warning("Shutdown grace period over, dropping in-flight work");
                return sd_event_exit(d->event, 0);
        }
        (void) sd_event_source_set_time(s, MIN(usec + DRAIN_POLL_USEC, d->shutdown_deadline_usec));
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

void daemon_begin_shutdown(Daemon *d) {
        usec_t t;
        int r;

        assert(d);

        if (d->shutting_down) {
                log_notice("Second stop request, exiting now");
                (void) sd_event_exit(d->event, 0);
                return;
        }
        d->shutting_down = true;
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        log_info("Stopping: no new work, finishing what is in flight");

        if (d->echo)
                echo_stop(d->echo);
        if (d->http)
                http_server_stop(d->http);

        if (daemon_is_idle(d)) {
                (void) sd_event_exit(d->event, 0);
                return;
        }

        (void) sd_event_now(d->event, CLOCK_MONOTONIC, &t);
        d->shutdown_deadline_usec = t + d->conf->shutdown_timeout_usec;
        r = sd_event_add_time(d->event, &d->drain_timer, CLOCK_MONOTONIC, t + DRAIN_POLL_USEC, 0,
                              on_drain_timer, d);
        if (r < 0) {
                log_warning_errno(r, "Failed to arm the shutdown timer, exiting now: %m");
                (void) sd_event_exit(d->event, 0);
        }
}

char *daemon_format_status(const Daemon *d, char *buf, size_t len) {
        char summary[384];

        assert(d);

        if (d->echo)
                snprintf(buf, len, "echo %s: %s", d->echo_addresses,
                         impair_format_summary(&d->conf->echo, summary, sizeof(summary)));
        else
                snprintf(buf, len, "echo off");
        if (d->http)
                snprintf(buf + strlen(buf), len - strlen(buf), "; http %s: %s", d->http_addresses,
                         d->conf->http.root);
        else
                snprintf(buf + strlen(buf), len - strlen(buf), "; http off");
        if (d->n_reload_failures > 0)
                snprintf(buf + strlen(buf), len - strlen(buf), "; %u failed reload(s)", d->n_reload_failures);
        return buf;
}

void daemon_log_counters(const Daemon *d) {
        char buf[512];

        assert(d);
        if (d->echo)
                log_info("Echo counters: %s", echo_format_summary(d->echo, buf, sizeof(buf)));
        if (d->http)
                log_info("HTTP counters: %s", http_server_format_summary(d->http, buf, sizeof(buf)));
}

Daemon *daemon_free(Daemon *d) {
        if (!d)
                return NULL;
        sd_event_source_disable_unref(d->drain_timer);
        echo_free(d->echo);
        http_server_free(d->http);
        sockets_set_done(&d->sockets);
        conf_unref(d->conf);
        sd_event_unref(d->event);
        free(d->conf_path);
        free(d);
        return NULL;
}
