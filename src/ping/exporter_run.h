/* exporter_run.h — one probe run of the exporter: resolve the target without blocking the
 * loop (getaddrinfo_a), then drive the reusable UDP, STAMP or HTTP prober of netlab-ping
 * (ping_udp.h, ping_stamp.h, ping_http.h) on the exporter's sd-event loop, and hand the
 * result back as an ExporterReport. Many runs share one loop; each owns its Ping and
 * Stats. */
#pragma once

#include <systemd/sd-event.h>

#include "exporter_query.h"
#include "exporter_render.h"
#include "macro.h"
#include "sockaddr.h"

/* Asynchronous name lookups for all runs of one loop: a pipe the resolver threads of
 * getaddrinfo_a(3) write completed lookups to, read on the loop. */
typedef struct ExporterResolver ExporterResolver;

/* Returns 0 or a negative errno (pipe2(), sd-event). */
int exporter_resolver_new(sd_event *e, ExporterResolver **ret);

/* Frees the resolver. Lookups still running keep the pipe's write end (they have
 * nothing else to report to), so it is closed only if none is. */
ExporterResolver *exporter_resolver_free(ExporterResolver *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ExporterResolver *, exporter_resolver_free);

typedef struct ExporterRun ExporterRun;

/* Called once per run, from its own defer event (never from inside exporter_run_new()),
 * when the result is ready; the callee may free the run. */
typedef void (*ExporterRunDone)(ExporterRun *run, void *userdata);

/* Starts probing @q->target ("HOST", "HOST:PORT", "[V6]:PORT", or an http:// URL in http
 * mode; the port defaults to 8080, STAMP's 862 with mode stamp) with @q's count, interval
 * and timeout. @allow (may be NULL, n_allow entries) restricts the resolved address to
 * these prefixes. Failures that belong to the target (bad syntax, no such name, address
 * not allowed, socket errors) do not fail this call: the run ends with a failure reason
 * instead. Returns 0, or -ENOMEM / a negative errno from sd-event. @q and @allow are
 * copied. */
int exporter_run_new(sd_event *e, ExporterResolver *res, const ExporterQuery *q, const SockAddrCidr *allow,
                     size_t n_allow, ExporterRunDone done, void *userdata, ExporterRun **ret);

/* The result (valid once done was called; borrowed pointers valid until the run is freed
 * or its Stats are taken). */
void exporter_run_report(const ExporterRun *run, ExporterReport *ret);

/* Moves the run's Stats out (the caller frees them with stats_free()); the report then has
 * no Stats. Used by --target to keep the last window. Returns NULL if there were none. */
Stats *exporter_run_take_stats(ExporterRun *run);

/* Probes this run sent so far. */
uint64_t exporter_run_sent(const ExporterRun *run);

/* Stops the run: sockets closed, lookup detached. NULL-safe; returns NULL. */
ExporterRun *exporter_run_free(ExporterRun *run);
DEFINE_TRIVIAL_CLEANUP_FUNC(ExporterRun *, exporter_run_free);
