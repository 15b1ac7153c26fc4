/* exporter.h — netlab-ping --exporter: a Prometheus multi-target prober on one sd-event
 * loop. GET /probe?target=... runs one probe run (exporter_run.h) and answers its result
 * (exporter_render.h); GET /metrics answers the prober's own metrics and, with --target,
 * the last complete window of each target probed in the background. Listening sockets
 * come from systemd (netlab-ping-exporter.socket) or are bound from ADDRESS:PORT. */
#pragma once

#define EXPORTER_PORT_DEFAULT 9149
#define EXPORTER_HEAD_MAX 8192         /* request head bytes; more is 431 */
#define EXPORTER_CONNECTIONS_MAX 512   /* open client connections; more are closed at accept */
#define EXPORTER_HEADER_TIMEOUT_SEC 10 /* a request head must arrive within this */
#define EXPORTER_TARGETS_MAX 4096      /* --target entries */
#define EXPORTER_ALLOW_MAX 64          /* --allow entries */

/* main() of `netlab-ping --exporter ...` (netlab-ping.c dispatches here when argv has
 * --exporter): parses its own flags (netlab-ping(1), "EXPORTER MODE"), serves until
 * SIGTERM or SIGINT and returns the exit status: 0 after a clean stop, 1 on a runtime
 * error, 2 on a usage error. */
int exporter_main(int argc, char *argv[]);
