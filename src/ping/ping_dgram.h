/* ping_dgram.h — the datagram prober that the UDP mode (ping_udp.c, netlab probes) and the
 * STAMP mode (ping_stamp.c) share: a connected UDP socket on the run's sd-event loop, probe
 * N sent at start + N*interval (or back to back with -f), replies read with their kernel
 * receive stamp, ICMP errors read from the error queue and settled per probe, and a timer
 * at the oldest in-flight probe's timeout. A mode brings only its wire format, through
 * PingDgramOps: how to write probe N, how to read a reply, how to recognise its own probe
 * in the datagram an ICMP error quotes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ping.h"

#define PING_DGRAM_RECV_BATCH 64        /* datagrams (and queued errors) read per wake-up */
#define PING_DGRAM_QUOTED_MAX 128       /* bytes of a quoted datagram an ICMP error gives us */

typedef struct PingDgram PingDgram;

typedef struct PingDgramOps {
        /* Writes the probe with run sequence number @seq into buf[0..len) (len is conf.size;
         * the buffer keeps what the previous call left, zero the first time). Returns 0, or
         * a negative errno that fails the run. Required. */
        int (*encode)(void *userdata, uint64_t seq, uint8_t *buf, size_t len);

        /* One datagram the socket received, @t its receive time on the monotonic timeline
         * (ping_receive_time()). The mode decodes it, matches it with ping_dgram_match() and
         * reports it with ping_dgram_emit_reply(); @buf is borrowed for the call. Required. */
        void (*on_reply)(void *userdata, const uint8_t *buf, size_t len, nsec_t t);

        /* The first bytes (at most @quoted_max) of the datagram an ICMP error was about:
         * returns 0 with *ret_seq if it is one of this run's probes, < 0 if not. Required. */
        int (*decode_quoted)(void *userdata, const uint8_t *buf, size_t len, uint64_t *ret_seq);

        /* Called after every send, timeout and batch of replies: ends the run when it is
         * over. NULL means ping_maybe_finish(). The UDP mode's final phase hooks in here. */
        void (*maybe_finish)(void *userdata);

        size_t quoted_max;              /* 1..PING_DGRAM_QUOTED_MAX: what decode_quoted reads */
} PingDgramOps;

/* Embedded in the mode's object (the fields are the mode's to read, the prober's to write);
 * set up by ping_dgram_init(), released by ping_dgram_done(). */
struct PingDgram {
        Ping *ping;                     /* borrowed: outlives the prober */
        const PingDgramOps *ops;        /* borrowed, usually static const */
        void *userdata;                 /* handed to every op */
        int fd;
        uint64_t next_seq;              /* the next probe's sequence number = probes sent */
        nsec_t last_send;               /* monotonic time of the latest probe */
        nsec_t max_late_rtt;            /* the slowest late reply so far */
        sd_event_source *io_source;
        sd_event_source *send_source;
        sd_event_source *timeout_source;
        uint8_t *send_buf;              /* conf.size bytes */
        uint8_t recv_buf[PING_SIZE_MAX + 1];
};

/* Opens a UDP socket towards p->addr (SO_TIMESTAMPNS, IP(V6)_RECVERR, connected), adds its
 * io source (replies before timers) and its send and timeout timers to p->event, and
 * schedules the first probe for the next loop iteration. @d must be zeroed memory; @p and
 * @ops are borrowed for the prober's lifetime. Returns 0, or a negative errno (-ENOMEM,
 * socket(), setsockopt(), connect(), sd-event), after which ping_dgram_done() still has to
 * be called. */
int ping_dgram_init(PingDgram *d, Ping *p, const PingDgramOps *ops, void *userdata);

/* Closes the socket and frees the sources and buffers. @d may be zeroed (never
 * initialised), half set up by a failed ping_dgram_init(), or already done. */
void ping_dgram_done(PingDgram *d);

/* Stops sending (count reached, SIGINT, deadline): nothing more is scheduled and the run's
 * sending_done is set; probes in flight stay in flight. */
void ping_dgram_stop(PingDgram *d);

/* Matches a decoded reply to probe @seq, @len bytes received at @t, in the run's
 * statistics. Returns true for a reply, a late reply or a duplicate, with *ret filled
 * (kind, seq, wall time, bytes, RTT, reordered) for the mode to add its server fields to;
 * false (logged at debug level, *ret untouched) for a probe unknown or too old to track. */
bool ping_dgram_match(PingDgram *d, uint64_t seq, size_t len, nsec_t t, PingEvent *ret);

/* Reports a matched reply and, with -f, sends the next probe at once unless @e is a
 * duplicate (a failed send ends the run, logged). */
void ping_dgram_emit_reply(PingDgram *d, const PingEvent *e);
