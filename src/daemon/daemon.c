/* daemon.c — ties configuration, sockets and services together. Startup goes
 * daemon_new() -> daemon_open_sockets() -> daemon_start_services(); SIGHUP lands in
 * daemon_reload(), SIGTERM in daemon_begin_shutdown(). The event loop itself (signals,
 * watchdog, sd_notify) is in loop.c. What daemon_load_conf() says goes through _() for
 * `netlabd -t`; the running daemon is in the C locale, so its journal lines stay English. */
#include <assert.h>
#include <fcntl.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "conf_diff.h"
#include "daemon.h"
#include "i18n.h"
#include "impair.h"
#include "log.h"
#include "metrics.h"
#include "strbuf.h"

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
                char buf[SOCKADDR_FORMAT_MAX];
                socklen_t len_a = sizeof(SockAddr);
                SockAddr a;

                if (getsockname(fds[i], &a.sa, &len_a) < 0)
                        continue;
                sockaddr_format(&a, buf, sizeof(buf));
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
                if (d->sockets.n_fds[SOCKET_KIND_STAMP] > 0 && !d->conf->stamp.enabled)
                        log_notice("A STAMP socket was passed: the STAMP reflector runs (stamp.enabled "
                                   "applies when netlabd binds its own sockets)");
        } else {
                const char *service = "udp echo";

                r = 0;
                if (d->conf->echo.enabled)
                        r = sockets_bind_list(d->conf->echo.listen, SOCK_DGRAM, SOCKET_KIND_ECHO,
                                              &d->sockets, &address);
                if (r >= 0 && d->conf->stamp.enabled) {
                        service = "stamp";
                        r = sockets_bind_list(d->conf->stamp.listen, SOCK_DGRAM, SOCKET_KIND_STAMP,
                                              &d->sockets, &address);
                }
                if (r >= 0 && d->conf->http.enabled) {
                        service = "http";
                        r = sockets_bind_list(d->conf->http.listen, SOCK_STREAM, SOCKET_KIND_HTTP,
                                              &d->sockets, &address);
                }
                /* Echo and HTTP usually share a port number: say which one failed. */
                if (r < 0)
                        return log_error_errno(r, "Failed to listen on '%s': %m (%s%s)", address ?: "?", service,
                                               r == -EACCES ? "; ports below 1024 need privileges" : "");
        }

        log_sockets("udp echo", d->sockets.fds[SOCKET_KIND_ECHO], d->sockets.n_fds[SOCKET_KIND_ECHO],
                    d->echo_addresses, sizeof(d->echo_addresses));
        log_sockets("stamp", d->sockets.fds[SOCKET_KIND_STAMP], d->sockets.n_fds[SOCKET_KIND_STAMP],
                    d->stamp_addresses, sizeof(d->stamp_addresses));
        log_sockets("http", d->sockets.fds[SOCKET_KIND_HTTP], d->sockets.n_fds[SOCKET_KIND_HTTP],
                    d->http_addresses, sizeof(d->http_addresses));
        return 0;
}

/* The gauges and counters the metrics tables describe, read from the running services.
 * Return false when the service is not running. */
static bool daemon_echo_stats(const Daemon *d, EchoStats *ret) {
        if (!d->echo)
                return false;
        *ret = (EchoStats) {
                .counters = *echo_get_counters(d->echo),
                .queued_replies = echo_queue_length(d->echo),
                .flows = echo_n_flows(d->echo),
        };
        return true;
}

/* The STAMP reflector: the echo's counters of its Echo, plus its own. */
static bool daemon_stamp_stats(const Daemon *d, EchoStats *ret_echo, StampStats *ret) {
        if (!d->stamp)
                return false;
        *ret_echo = (EchoStats) {
                .counters = *echo_get_counters(d->stamp),
                .queued_replies = echo_queue_length(d->stamp),
                .flows = echo_n_flows(d->stamp),
        };
        *ret = (StampStats) { .counters = *echo_get_stamp_counters(d->stamp) };
        return true;
}

static bool daemon_http_stats(const Daemon *d, HttpStats *ret) {
        if (!d->http)
                return false;
        *ret = (HttpStats) {
                .counters = *http_server_get_counters(d->http),
                .open_connections = http_server_n_connections(d->http),
        };
        return true;
}

/* One sample of the charted counters into the history, every second. */
static int on_history_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        EchoStats echo = {};
        HttpStats http = {};
        const EchoCounters *e = &echo.counters;
        const HttpCounters *h = &http.counters;

        (void) daemon_echo_stats(d, &echo);
        (void) daemon_http_stats(d, &http);
        history_push(&d->history,
                     &(HistorySample) {
                             .uptime_usec = usec - d->start_monotonic_usec,
                             .echo_received = e->received,
                             .echo_replied = e->replied,
                             .echo_dropped = e->dropped_loss + e->dropped_rate_limit + e->dropped_low_port +
                                             e->dropped_self + e->dropped_queue_full + e->dropped_too_big +
                                             e->truncated + e->send_errors,
                             .echo_bytes_out = e->bytes_out,
                             .http_requests = h->requests - h->dashboard_requests,
                             .http_errors = h->responses_by_class[4] + h->responses_by_class[5],
                             .http_bytes = h->response_bytes,
                     });
        (void) sd_event_source_set_time(s, usec + HISTORY_INTERVAL_USEC);
        return 0;
}

/* The HttpDynamicFunc behind /metrics and /api/status: one snapshot of every counter
 * and of the one Conf in effect, rendered by metrics.c. */
/* /api/flows: the echo's flows and, for ?peer=, that peer's record (flows.c renders). */
static int daemon_serve_flows(Daemon *d, const char *query, size_t query_len, char **ret_body,
                              size_t *ret_len, const char **ret_content_type) {
        _cleanup_(flows_snapshot_done) FlowsSnapshot s = {};
        FlowsQuery q;
        int r;

        r = flows_parse_query(query, query_len, &q);
        if (r < 0)
                return r; /* the client gets a 400 */
        if (d->echo) {
                r = echo_get_flows(d->echo, &q, now(CLOCK_MONOTONIC), now(CLOCK_REALTIME), &s);
                if (r < 0) {
                        d->n_oom++;
                        return r;
                }
        }
        r = flows_render_json(&s, ret_body, ret_len);
        if (r < 0) {
                d->n_oom++;
                return r;
        }
        *ret_content_type = "application/json";
        return 0;
}

static int daemon_serve_dynamic(void *userdata, HttpEndpoint endpoint, const char *query, size_t query_len,
                                char **ret_body, size_t *ret_len, const char **ret_content_type) {
        Daemon *d = userdata;
        EchoStats echo = {}, stamp_echo = {};
        StampStats stamp = {};
        _cleanup_free_ MetricsEchoProfile *profiles = NULL;
        size_t n_profiles = 0;
        HttpStats http = {};
        bool has_echo = daemon_echo_stats(d, &echo), has_http = daemon_http_stats(d, &http);
        bool has_stamp = daemon_stamp_stats(d, &stamp_echo, &stamp);
        MetricsSnapshot snap = {
                .conf = d->conf,
                .version = PACKAGE_VERSION,
                .echo = has_echo ? &echo : NULL,
                .stamp_echo = has_stamp ? &stamp_echo : NULL,
                .stamp = has_stamp ? &stamp : NULL,
                .http = has_http ? &http : NULL,
                .http_requests = d->http ? http_server_get_metrics(d->http) : NULL,
                .start_realtime_usec = d->start_realtime_usec,
                .now_realtime_usec = now(CLOCK_REALTIME),
                .uptime_usec = now(CLOCK_MONOTONIC) - d->start_monotonic_usec,
                .reloads = d->n_reloads,
                .reload_failures = d->n_reload_failures,
                /* Every allocation failure survived: the services' and our own. */
                .oom = d->n_oom + echo.counters.oom + stamp_echo.counters.oom + http.counters.oom,
                /* The router calls us only for a peer that passed status_allow, so a
                 * configured list means this peer is in it. Without one, everybody reads
                 * the counters, and the paths stay out. */
                .show_paths = d->conf->http.status_allow && d->conf->http.status_allow[0],
                .history = &d->history,
        };
        int r;

        if (endpoint == HTTP_ENDPOINT_FLOWS)
                return daemon_serve_flows(d, query, query_len, ret_body, ret_len, ret_content_type);
        if (d->echo) {
                r = echo_get_profiles(d->echo, &profiles, &n_profiles);
                if (r < 0) {
                        d->n_oom++;
                        return r; /* the client gets a 503 */
                }
                snap.echo_profiles = profiles;
                snap.n_echo_profiles = n_profiles;
        }

        r = metrics_serve(&snap, endpoint == HTTP_ENDPOINT_METRICS ? METRICS_FORMAT_PROMETHEUS : METRICS_FORMAT_JSON,
                          ret_body, ret_len, ret_content_type);
        if (r == -ENOMEM)
                d->n_oom++;             /* the client gets a 503 */
        return r;
}

int daemon_start_services(Daemon *d) {
        SocketSet *s;
        int r;

        assert(d);
        s = &d->sockets;

        if (s->n_fds[SOCKET_KIND_ECHO] > 0) {
                /* Ownership of the fds moves to the service even on failure. */
                r = echo_new(d->event, d->conf, s->fds[SOCKET_KIND_ECHO], s->n_fds[SOCKET_KIND_ECHO],
                             &d->echo_turn, &d->echo);
                s->n_fds[SOCKET_KIND_ECHO] = 0;
                if (r < 0)
                        return log_error_errno(r, "Failed to start the echo service: %m");
        }

        if (s->n_fds[SOCKET_KIND_STAMP] > 0) {
                r = echo_new(d->event, d->conf, s->fds[SOCKET_KIND_STAMP], s->n_fds[SOCKET_KIND_STAMP],
                             &d->echo_turn, &d->stamp);
                s->n_fds[SOCKET_KIND_STAMP] = 0;
                if (r >= 0)
                        r = echo_set_stamp(d->stamp);
                if (r < 0)
                        return log_error_errno(r, "Failed to start the STAMP reflector: %m");
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

                r = sd_event_add_time_relative(d->event, &d->history_timer, CLOCK_MONOTONIC,
                                               HISTORY_INTERVAL_USEC, 50 * USEC_PER_MSEC, on_history_timer, d);
                if (r < 0)
                        return log_error_errno(r, "Failed to start the status history timer: %m");
                (void) sd_event_source_set_enabled(d->history_timer, SD_EVENT_ON);
                (void) sd_event_source_set_description(d->history_timer, "status-history");
        }
        return 0;
}

/* ---- what start-up, reload and -t check ------------------------------------------------ */

static int check_root(const Conf *c, const char **ret_object) {
        _cleanup_close_ int fd = -EBADF;

        if (!c->http.enabled)
                return 0;
        *ret_object = c->http.root;
        fd = open(c->http.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : 0;
}

static int check_mime(const Conf *c, const char **ret_object) {
        _cleanup_fclose_ FILE *f = NULL;

        if (!c->http.enabled)
                return 0;
        *ret_object = HTTP_SERVER_MIME_TYPES;
        f = fopen(HTTP_SERVER_MIME_TYPES, "re");
        return f ? 0 : -errno;
}

/* Everything a file must pass besides its own syntax and ranges (conf.c) before it is
 * used, short of binding the sockets: one row per check, so a new kind of check is one
 * more row. Each returns 0, or a negative errno with *ret_object naming what failed. */
static const struct {
        const char *what;               /* "<file>: cannot <what> '<object>'", a msgid */
        bool fatal;                     /* false: warn and go on */
        const char *hint_eacces;        /* added to an EACCES message, or NULL */
        int (*check)(const Conf *c, const char **ret_object);
} daemon_conf_checks[] = {
        { N_("open the document root"), true,
          N_(" (under DynamicUser= the root and its parents must be world-readable: chmod o+rX)"), check_root },
        { N_("read the MIME types, using the built-in table"), false, NULL, check_mime },
};

static int daemon_check_conf(const char *path, const Conf *c) {
        int ret = 0;

        for (size_t i = 0; i < ELEMENTSOF(daemon_conf_checks); i++) {
                const char *object = "?";
                int r = daemon_conf_checks[i].check(c, &object);

                if (r >= 0)
                        continue;
                log_full_errno(daemon_conf_checks[i].fatal ? LOG_ERR : LOG_NOTICE, r,
                               _("%s: cannot %s '%s': %m%s"), path, _(daemon_conf_checks[i].what), object,
                               r == -EACCES && daemon_conf_checks[i].hint_eacces ?
                                       _(daemon_conf_checks[i].hint_eacces) :
                                       "");
                if (daemon_conf_checks[i].fatal && ret == 0)
                        ret = r;
        }
        return ret;
}

static int daemon_load_conf_internal(const char *path, bool path_explicit, Conf **ret) {
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        _cleanup_(conf_unrefp) Conf *c = NULL;
        bool defaults = false;
        int r;

        r = conf_load(path, &c, &errors);
        if (r == -ENOENT && !path_explicit) {
                log_notice(_("%s not found, using built-in defaults"), path);
                r = conf_new_default(&c);
                if (r < 0)
                        return log_error_errno(r, _("Failed to set up the built-in defaults: %m"));
                defaults = true;
        } else if (r == -EBADMSG) {
                for (size_t i = 0; i < errors.n; i++)
                        log_error("%s:%u: %s", errors.e[i].file ?: path, errors.e[i].line, errors.e[i].msg);
                if (errors.n_more > 0)
                        log_error(ngettext("%s: %u more error not shown", "%s: %u more errors not shown",
                                           errors.n_more),
                                  path, errors.n_more);
                return r;
        } else if (r < 0)
                return log_error_errno(
                        r, "%s: %m%s", path,
                        r == -EACCES ? _(" (netlabd runs as a dynamic user: make it world-readable)") : "");

        r = daemon_check_conf(path, c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return defaults;
}

int daemon_load_conf(const char *path, bool path_explicit, bool reload, Conf **ret) {
        int r;

        assert(path);
        assert(ret);

        r = daemon_load_conf_internal(path, path_explicit, ret);
        if (r < 0 && reload)
                log_warning("Keeping the previous configuration");
        return r;
}

int daemon_reload(Daemon *d) {
        _cleanup_(conf_unrefp) Conf *fresh = NULL;
        _cleanup_free_ char *restart = NULL, *diff = NULL;
        int r;

        assert(d);

        r = daemon_load_conf(d->conf_path, d->conf_path_explicit, /* reload= */ true, &fresh);
        if (r < 0) {
                d->n_reload_failures++;
                return r;
        }

        restart = conf_restart_keys_changed(d->conf, fresh);
        if (restart)
                log_warning("%s: changes to %s take effect only after a restart", d->conf_path, restart);

        /* The HTTP service is the one that can refuse (new document root missing): apply
         * it first, so that on failure nothing has changed and the old snapshot stays whole. */
        if (d->http) {
                r = http_server_apply_conf(d->http, fresh);
                if (r < 0) {
                        d->n_reload_failures++;
                        log_error_errno(r, "%s: cannot use document root '%s': %m", d->conf_path, fresh->http.root);
                        log_warning("Keeping the previous configuration");
                        return r;
                }
        }
        /* Cannot fail: it switches the snapshot and evicts flows above max_flows. */
        if (d->echo)
                (void) echo_apply_conf(d->echo, fresh);
        if (d->stamp)
                (void) echo_apply_conf(d->stamp, fresh);

        if (!d->verbose)
                log_set_max_level(fresh->log_level);
        r = conf_diff(d->conf, fresh, &diff);
        conf_unref(d->conf);
        d->conf = TAKE_PTR(fresh);
        d->n_reloads++;
        log_info("Reloaded configuration from %s: %s", d->conf_path,
                 r < 0 ? "(changes not listed: out of memory)" : diff ?: "no changes");
        return 0;
}

static bool daemon_is_idle(const Daemon *d) {
        return (!d->echo || echo_is_idle(d->echo)) && (!d->stamp || echo_is_idle(d->stamp)) &&
               (!d->http || http_server_is_idle(d->http));
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
        if (d->stamp)
                echo_stop(d->stamp);
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

int daemon_format_status(const Daemon *d, char **ret) {
        _cleanup_(strbuf_done) StrBuf b = {};
        char summary[384];

        assert(d);
        assert(ret);

        if (d->echo)
                strbuf_printf(&b, "echo %s: %s", d->echo_addresses,
                              impair_format_summary(&d->conf->echo, summary, sizeof(summary)));
        else
                strbuf_puts(&b, "echo off");
        if (d->stamp)
                strbuf_printf(&b, "; stamp %s: %s", d->stamp_addresses,
                              stamp_mode_to_string(d->conf->stamp.mode));
        if (d->http)
                strbuf_printf(&b, "; http %s: %s", d->http_addresses, d->conf->http.root);
        else
                strbuf_puts(&b, "; http off");
        if (d->n_reload_failures > 0)
                strbuf_printf(&b, "; %u failed reload(s)", d->n_reload_failures);
        return strbuf_finish(&b, ret, NULL);
}

/* Logs "<what> counters: ..." from the table, or says that it could not. */
static void log_counters(const char *what, const CounterDesc *table, const void *stats) {
        _cleanup_(strbuf_done) StrBuf b = {};

        counters_format_summary(&b, table, stats);
        if (b.error < 0)
                log_warning_errno(b.error, "Failed to format the %s counters, ignoring: %m", what);
        else
                log_info("%s counters: %s", what, strbuf_str(&b));
}

void daemon_log_counters(const Daemon *d) {
        EchoStats echo, stamp_echo;
        StampStats stamp;
        HttpStats http;

        assert(d);

        if (daemon_echo_stats(d, &echo))
                log_counters("Echo", counters_echo, &echo);
        if (daemon_stamp_stats(d, &stamp_echo, &stamp)) {
                log_counters("STAMP", counters_echo, &stamp_echo);
                log_counters("STAMP", counters_stamp, &stamp);
        }
        if (daemon_http_stats(d, &http))
                log_counters("HTTP", counters_http, &http);
}

Daemon *daemon_free(Daemon *d) {
        if (!d)
                return NULL;
        sd_event_source_disable_unref(d->drain_timer);
        sd_event_source_disable_unref(d->history_timer);
        echo_free(d->echo);
        echo_free(d->stamp);
        http_server_free(d->http);
        sockets_set_done(&d->sockets);
        conf_unref(d->conf);
        sd_event_unref(d->event);
        free(d->conf_path);
        free(d);
        return NULL;
}
