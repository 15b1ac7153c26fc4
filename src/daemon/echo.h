/* echo.h — the UDP echo service: receives datagrams on every datagram socket it is
 * given, decides their fate with the impairment model, and answers (now, later or
 * never). Runs entirely inside the daemon's sd-event loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "counters.h"
#include "echo_turn.h"
#include "flows.h"
#include "metrics.h"

typedef struct Echo Echo;

/* Creates the service on @fds (non-blocking SOCK_DGRAM sockets; ownership of every fd
 * moves to the Echo, also on failure) and registers its event sources on @event, taking
 * turns through @turn (must outlive the Echo). Keeps a reference to @conf. Returns 0, or
 * -ENOMEM / a negative errno from sd-event. */
int echo_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, EchoTurn *turn, Echo **ret);

/* Makes @e, right after echo_new() and before the loop runs, the STAMP Session-Reflector
 * (RFC 8762, conf->stamp.mode) instead of an echo: its datagrams are parsed as STAMP
 * test packets and answered with reflector packets (echo_stamp.h), through the same
 * impairment. Returns 0 or -ENOMEM. */
int echo_set_stamp(Echo *e);

/* The STAMP reflector's own counters, or NULL for an echo. */
const StampCounters *echo_get_stamp_counters(const Echo *e);

/* Switches to a new configuration snapshot (live reload: loss, delay, ... take effect
 * for the next datagram; per-flow counters are kept). Returns 0 or a negative errno. */
int echo_apply_conf(Echo *e, Conf *conf);

/* Shutdown: stops reading new datagrams. Replies already in the delay queue still go
 * out on time; echo_is_idle() tells when none is left. */
void echo_stop(Echo *e);
bool echo_is_idle(const Echo *e);

const EchoCounters *echo_get_counters(const Echo *e);
size_t echo_queue_length(const Echo *e);        /* delayed replies currently held */
size_t echo_n_flows(const Echo *e);             /* per-flow entries in the flow table */

/* The classroom profiles, the default first, with their counters and live flows (one
 * pass over the flow table). Fills *ret with a malloc'ed array (caller frees; its
 * strings and ConfEcho pointers are borrowed from the Echo's snapshot and valid until
 * the next echo_apply_conf()) and *ret_n. Returns 0 or -ENOMEM. */
int echo_get_profiles(const Echo *e, MetricsEchoProfile **ret, size_t *ret_n);

/* The flows matching @q (most recently active first, at most FLOWS_MAX) and, when @q
 * names a peer or a profile, the matching record entries (newest first, at most FLOWS_RECORD_MAX),
 * with times converted with @now_mono / @now_rt. Fills *ret (flows_snapshot_done() frees
 * it; its strings are borrowed from the Echo, valid until the next echo_apply_conf()).
 * Returns 0 or -ENOMEM. */
int echo_get_flows(const Echo *e, const FlowsQuery *q, usec_t now_mono, usec_t now_rt, FlowsSnapshot *ret);

/* Closes the sockets, drops queued replies, frees everything. NULL-safe; returns NULL. */
Echo *echo_free(Echo *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Echo *, echo_free);
