/* ping_stamp.h — netlab-ping --stamp: a STAMP Session-Sender (RFC 8762, unauthenticated,
 * with the RFC 8972 SSID and Direct Measurement TLV) on the run's sd-event loop. Same
 * schedule, statistics, per-probe lines, summary and JSON as the UDP mode (ping_udp.h);
 * with a reflector that fills the Direct Measurement TLV the loss is split into upstream,
 * emulated and downstream, and each reply shows the reflector's hold time and the TTL it
 * saw. */
#pragma once

#include "ping.h"
#include "stamp.h"

#define PING_STAMP_SIZE_DEFAULT STAMP_SENDER_DM_SIZE   /* base + Direct Measurement TLV */

typedef struct PingStamp PingStamp;

/* Opens the socket towards p->addr, adds its sources to p->event and schedules the first
 * test packet for the next loop iteration. p->conf.size must satisfy
 * stamp_sender_size_ok(size, size >= STAMP_SENDER_DM_SIZE) (main checks it). Returns 0, or
 * a negative errno (socket(), setsockopt(), connect(), sd-event, -EINVAL for the size)
 * which the caller logs. */
int ping_stamp_new(Ping *p, PingStamp **ret);

/* Stops sending (SIGINT, deadline): nothing more is scheduled. */
void ping_stamp_stop(PingStamp *s);

PingStamp *ping_stamp_free(PingStamp *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(PingStamp *, ping_stamp_free);
