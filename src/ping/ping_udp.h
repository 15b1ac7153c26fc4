/* ping_udp.h — netlab probes over UDP: a connected socket on the run's sd-event loop,
 * probes sent on a fixed schedule (or back to back with -f), replies timed with the
 * kernel's receive stamp, ICMP errors read from the error queue. */
#pragma once

#include "ping.h"

typedef struct PingUdp PingUdp;

/* Opens the socket towards p->addr, adds its sources to p->event and schedules the first
 * probe for the next loop iteration. Returns 0, or a negative errno (socket(), connect(),
 * setsockopt(), sd-event) which the caller logs. */
int ping_udp_new(Ping *p, PingUdp **ret);

/* Stops sending (SIGINT, deadline): nothing more is scheduled; probes in flight stay in
 * flight. */
void ping_udp_stop(PingUdp *u);

PingUdp *ping_udp_free(PingUdp *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(PingUdp *, ping_udp_free);
