/* daemon.h — the Daemon object: owns the event loop, the current configuration
 * snapshot and the two services, and implements reload and graceful shutdown. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "echo.h"
#include "history.h"
#include "http_server.h"
#include "sockets.h"

typedef struct Daemon {
        sd_event *event;
        char *conf_path;
        bool conf_path_explicit;        /* -c given: a vanished file is an error on reload */
        bool verbose;                   /* -v overrides log_level */
        Conf *conf;                     /* current snapshot; services hold their own refs */
        SocketSet sockets;              /* until handed to the services */
        Echo *echo;                     /* NULL when disabled or no socket */
        Echo *stamp;                    /* the STAMP reflector: an Echo in STAMP mode, or NULL */
        EchoTurn echo_turn;             /* shared by echo and stamp */
        HttpServer *http;
        char echo_addresses[128];       /* "127.0.0.1:8080 [::1]:8080", for STATUS= */
        char stamp_addresses[128];
        char http_addresses[128];
        usec_t start_realtime_usec;
        usec_t start_monotonic_usec;
        unsigned n_reloads;
        unsigned n_reload_failures;
        uint64_t n_oom;                 /* our own allocation failures (rendering /metrics) */
        bool shutting_down;
        usec_t shutdown_deadline_usec;  /* CLOCK_MONOTONIC */
        sd_event_source *drain_timer;
        History history;                /* the status page's last two minutes */
        sd_event_source *history_timer; /* one sample per HISTORY_INTERVAL_USEC */
} Daemon;

/* Creates a Daemon around @conf (a reference is taken) with a new sd-event loop.
 * @conf_path is copied. Returns 0, -ENOMEM or an sd-event error. */
int daemon_new(const char *conf_path, bool conf_path_explicit, Conf *conf, Daemon **ret);

/* Obtains the sockets: inherited ones if any, otherwise binds conf's listen addresses.
 * Logs the failure. Returns 0 or a negative errno. */
int daemon_open_sockets(Daemon *d);

/* Hands the sockets to the echo, STAMP and HTTP services and registers them on the loop.
 * Logs the failure. Returns 0, or a negative errno (-ENOENT/-ENOTDIR/-EACCES: the
 * document root is unusable, a configuration problem). */
int daemon_start_services(Daemon *d);

/* Loads the configuration the way start-up, reload and -t all want it, and logs what
 * went wrong: a missing @path that was not named explicitly (@path_explicit false) means
 * the built-in defaults (logged as a notice); an invalid file is one "FILE:LINE: message"
 * per error (up to CONF_ERRORS_MAX), an unreadable one "FILE: <strerror>" ("DIR: Is a
 * directory"). Then the checks that need the file system run, everything short of
 * binding: the document root opens (else an error), /etc/mime.types is readable (else
 * a notice: the built-in table serves). With @reload, a failure is followed by a
 * second line, "Keeping the previous configuration". Returns 0 (the file) or 1 (the
 * built-in defaults) with a new Conf in *ret (n_ref 1, caller unrefs), or a negative
 * errno (-EBADMSG invalid; -ENOENT, -EACCES, -EISDIR, ... from opening the file or the
 * document root; -ENOMEM), already logged. */
int daemon_load_conf(const char *path, bool path_explicit, bool reload, Conf **ret);

/* Re-reads the configuration file (daemon_load_conf()). On success swaps the snapshot
 * and applies it to the services; on failure keeps the old snapshot, counts the failure
 * and logs why. Returns 0 or a negative errno (already logged). */
int daemon_reload(Daemon *d);

/* Starts a graceful stop: no new work, in-flight work may finish within
 * shutdown_timeout, then the loop exits. A second call exits at once. */
void daemon_begin_shutdown(Daemon *d);

/* The one-line state for STATUS= ("echo 127.0.0.1:8080: loss 30% ...; http ..."). Returns
 * 0 with a malloc'ed string in *ret (caller frees), or -ENOMEM. */
int daemon_format_status(const Daemon *d, char **ret);

/* Logs the service counters at info level (SIGUSR1), one line per running service,
 * formatted from the counter tables by counters_format_summary(). */
void daemon_log_counters(const Daemon *d);

Daemon *daemon_free(Daemon *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Daemon *, daemon_free);
