/* echo.h — the UDP echo service: receives datagrams on every datagram socket it is
 * given, decides their fate with the impairment model, and answers (now, later or
 * never). Runs entirely inside the daemon's sd-event loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"

typedef struct Echo Echo;

/* Monotonic counters since start (never reset by reload). */
typedef struct EchoCounters {
        uint64_t received;              /* datagrams read from the sockets */
        uint64_t replied;               /* replies sent (duplicates included) */
        uint64_t dropped_loss;          /* dropped on purpose by the loss model */
        uint64_t dropped_rate_limit;    /* per-source token bucket empty */
        uint64_t dropped_low_port;      /* source port < 1024 and allow_low_ports = false */
        uint64_t dropped_self;          /* would have replied to ourselves */
        uint64_t dropped_queue_full;    /* delay queue at max_queue */
        uint64_t dropped_too_big;       /* larger than max_payload */
        uint64_t truncated;             /* MSG_TRUNC: larger than our receive buffer */
        uint64_t send_errors;           /* EAGAIN/ENOBUFS/... on send: reply lost */
        uint64_t duplicated;            /* extra copies sent */
        uint64_t reordered;             /* replies held back behind later ones */
        uint64_t delayed;               /* replies that went through the delay queue */
        uint64_t probes;                /* datagrams that were netlab probes */
        uint64_t bytes_in;
        uint64_t bytes_out;
        uint64_t oom;                   /* allocation failures survived (delay queue, flow table) */
} EchoCounters;

/* Creates the service on @fds (non-blocking SOCK_DGRAM sockets; ownership of every fd
 * moves to the Echo, also on failure) and registers its event sources on @event.
 * Keeps a reference to @conf. Returns 0, or -ENOMEM / a negative errno from sd-event. */
int echo_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, Echo **ret);

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

/* One-line summary of the counters for STATUS= and SIGUSR1 into @buf. Returns @buf. */
char *echo_format_summary(const Echo *e, char *buf, size_t len);

/* Closes the sockets, drops queued replies, frees everything. NULL-safe; returns NULL. */
Echo *echo_free(Echo *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Echo *, echo_free);
