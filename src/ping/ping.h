/* ping.h — one netlab-ping run: the options, the event loop, the statistics and the output
 * configuration shared by the UDP prober (ping_udp.c) and the HTTP prober (ping_http.c).
 * main() in netlab-ping.c fills it from the command line; the probers only add sources
 * to its sd-event loop and report through ping_emit(). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "ping_output.h"
#include "probe.h"
#include "sockaddr.h"
#include "stats.h"

#define PING_DEFAULT_PORT 8080
#define PING_DEFAULT_COUNT 10                   /* as the lab client */
#define PING_FLOOD_INTERVAL (10 * NSEC_PER_MSEC) /* -f: next probe on reply, or after this */
#define PING_SIZE_DEFAULT PROBE_HEADER_SIZE     /* -s: the probe header, nothing more */
#define PING_SIZE_MAX 65507                     /* largest UDP payload over IPv4 */
#define PING_WINDOW_MAX (1u << 17)              /* probes tracked at once (stats window) */

typedef struct Ping {
        sd_event *event;
        FILE *out;                      /* stdout; NULL: print nothing (a session) */
        PingOutputConf conf;            /* what to print, and the numbers asked for */
        Stats *stats;
        PingSummary summary;

        /* target */
        SockAddr addr;                  /* IPv4 or IPv6, with the port */

        /* HTTP mode */
        char *http_host;                /* Host: header value */
        char *http_path;                /* request-target, starts with '/' */
        bool keep_alive;
        bool verbose;                   /* -v: print the first response's headers */

        /* run state */
        nsec_t start;                   /* monotonic time of the first send */
        bool started;
        bool sending_done;              /* count reached, deadline passed, or interrupted */
        bool finished;
        int error;                      /* < 0: a fatal error ended the run (exit status 2) */
        sd_event_source *deadline_source;

        /* A run that is one session among several on a shared loop (the exporter, fping
         * mode) sets this: ping_finish() then calls it instead of ending the loop. */
        void (*on_finish)(struct Ping *p, void *userdata);
        /* ... and may watch each probe outcome (fping mode: per-probe RTTs) */
        void (*on_event)(struct Ping *p, const PingEvent *e, void *userdata);
        void *session_userdata;
} Ping;

/* Nanoseconds of @clock. */
nsec_t ping_now(clockid_t clock);

/* The monotonic time of a kernel receive stamp (SO_TIMESTAMPNS, CLOCK_REALTIME): now minus
 * how long ago the stamp was, so the wake-up delay between the packet's arrival and our
 * reading it stays out of the measurement. Without a usable stamp (NULL, or a clock step
 * in between) returns now and counts st->no_kernel_stamp; otherwise adds the delay to
 * st->rx_delay. */
nsec_t ping_receive_time(Stats *st, const struct timespec *stamp);

/* Hands one probe outcome to p->on_event (if set) and to the output (flushing per line in
 * text mode; nothing when p->out is NULL). */
void ping_emit(Ping *p, const PingEvent *e);

/* Whether the probing part of the run is over (what ping_maybe_finish() ends the loop on):
 * sending is done and nothing is in flight, or (-w with -c) COUNT probes are answered.
 * False once the run finished. A prober that has something to do after the last probe
 * (the UDP counters query) checks this instead of calling ping_maybe_finish(). */
bool ping_run_complete(const Ping *p);

/* Called by a prober after it settled a probe or stopped sending: ends the loop once
 * sending is done and nothing is in flight, or (-w with -c, as ping) once COUNT probes
 * are answered, whatever is still in flight. */
void ping_maybe_finish(Ping *p);

/* Whether sending is over after probe @next_seq - 1: COUNT probes sent, or with -w (ping's
 * rule) COUNT probes answered or failed. Always false for -c 0. */
bool ping_count_reached(const Ping *p, uint64_t next_seq);

/* Ends the run now: calls p->on_finish if set, else exits the loop; @error < 0 makes the
 * run fail with exit status 2 (already logged). */
void ping_finish(Ping *p, int error);

/* Arms the -w deadline (if any) relative to now; call at the first send. When it fires,
 * probes still in flight are timed out (lost, as in ping(8)) and the run ends. Returns 0
 * or a negative errno from sd-event. */
int ping_arm_deadline(Ping *p);

/* Converts a monotonic ns time to sd-event's usec, rounding up so a timer never fires
 * before the moment it stands for. */
uint64_t ping_usec_ceil(nsec_t t);
