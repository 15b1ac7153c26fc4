/* loop.h — runs the daemon's sd-event loop: signal handling (SIGHUP reload, SIGTERM/
 * SIGINT graceful stop, SIGUSR1 counters), the systemd watchdog and sd_notify state. */
#pragma once

#include "daemon.h"

/* Blocks the signals the loop handles so that they are only delivered through
 * signalfd. Call before any thread or child could inherit a different mask. Returns 0
 * or a negative errno. */
int loop_block_signals(void);

/* Registers the signal sources and the watchdog, announces READY=1 and runs until
 * a stop request has drained. Logs its own failures. Returns 0 or a negative errno. */
int loop_run(Daemon *d);
