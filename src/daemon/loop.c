/* loop.c — the daemon's one event loop. Everything else registers sources on the same
 * sd_event; this file adds the process-level ones (signals, watchdog) and tells the
 * service manager what state we are in. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "loop.h"

/* Sends STATUS=, preceded by READY=1 when @ready (after start-up and after a reload).
 * Without memory for the status text, READY=1 still goes out. */
static void notify_status(const Daemon *d, bool ready, const char *prefix) {
        _cleanup_free_ char *status = NULL;

        if (daemon_format_status(d, &status) < 0)
                status = NULL;
        (void) sd_notifyf(false, "%sSTATUS=%s%s", ready ? "READY=1\n" : "", prefix, status ?: "");
}

/* SIGHUP: re-read the configuration. A failed reload keeps the running snapshot, so
 * this handler always returns 0 (a negative return would disable the source). */
static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;
        int r;

        if (d->shutting_down)
                return 0;

        /* systemd 252 has no Type=notify-reload, but it understands RELOADING=1 with the
         * timestamp, so "systemctl reload" still waits for the READY=1 that follows. */
        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long) now(CLOCK_MONOTONIC));
        r = daemon_reload(d);
        notify_status(d, true, r < 0 ? "Reload failed, previous configuration kept; " : "");
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;

        log_info("Received %s", si->ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        daemon_begin_shutdown(d);
        return 0;
}

static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;

        daemon_log_counters(d);
        if (!d->shutting_down)
                notify_status(d, false, "");
        return 0;
}

int loop_block_signals(void) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR1);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;

        /* A client that vanishes mid-write must cost an EPIPE, not the process. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return -errno;
        return 0;
}

int loop_run(Daemon *d) {
        static const struct {
                int signo;
                sd_event_signal_handler_t handler;
        } handlers[] = {
                { SIGHUP, on_sighup },
                { SIGTERM, on_sigterm },
                { SIGINT, on_sigterm },
                { SIGUSR1, on_sigusr1 },
        };
        int r;

        assert(d);
        assert(d->event);

        for (size_t i = 0; i < ELEMENTSOF(handlers); i++) {
                sd_event_source *src = NULL;

                r = sd_event_add_signal(d->event, &src, handlers[i].signo, handlers[i].handler, d);
                if (r < 0)
                        return log_error_errno(r, "Failed to install the handler for signal %d: %m",
                                               handlers[i].signo);
                /* Ahead of everything, the echo's turns included: stop and reload are
                 * never kept waiting by traffic. The loop owns the source. */
                (void) sd_event_source_set_priority(src, SD_EVENT_PRIORITY_IMPORTANT - 100);
                (void) sd_event_source_set_floating(src, true);
                sd_event_source_unref(src);
        }

        /* A no-op unless the unit sets WatchdogSec=. */
        r = sd_event_set_watchdog(d->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        notify_status(d, true, "");
        log_info("netlabd %s ready", PACKAGE_VERSION);

        r = sd_event_loop(d->event);
        (void) sd_notify(false, "STOPPING=1");
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        log_info("Stopped");
        return 0;
}
