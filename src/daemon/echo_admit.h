/* echo_admit.h — the front of the echo's data path, steps 1-4 of echo.c's echo_handle():
 * whether a received datagram may be answered at all (size, peer, low and own ports),
 * what it is (netlab probe, counters query, plain bytes), which classroom profile it
 * belongs to, whether it is our own reply coming back from another echo service (the
 * loop memory), and the lab_compat reply format. Owns the run-time profiles and the loop
 * memory. Pure: no I/O, no clock, no logging; times come in as usec_t. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "counters.h"
#include "echo_compat.h"
#include "echo_flow.h"
#include "echo_loop.h"
#include "echo_profiles.h"
#include "echo_record.h"
#include "impair.h"
#include "probe.h"
#include "profile.h"
#include "sockaddr.h"

#define ECHO_ADMIT_PORTS_MAX 16 /* local echo sockets */

/* One received datagram on its way through echo_handle(): these steps fill the fields up
 * to @prefix_len, echo.c's later steps the rest. */
typedef struct EchoDatagram {
        size_t sock;        /* index into the echo's sockets and EchoAdmit.ports */
        struct msghdr *msg;
        uint8_t *buf;       /* the receive slot; probe replies are stamped in place */
        size_t len;
        SockAddr *peer;
        EchoFlowKey key;    /* the peer's address; port, kind, session per flow */
        uint16_t port;      /* the peer's, network order */
        bool probe;
        bool query;         /* a counters query (PROBE_FLAG_COUNTERS) */
        bool stamp;         /* a STAMP test packet (echo_stamp.h): probe = a stateful session */
        Probe p;
        uint16_t prof;      /* index into EchoAdmit.profiles */
        EchoProfile *pr;    /* &EchoAdmit.profiles[prof] */
        uint64_t loop_hash; /* plain: echo_loop_hash() of the reply as it will be sent */
        bool lab;           /* a lab_compat "timestamp" reply: prefix + request */
        char prefix[ECHO_COMPAT_PREFIX_MAX];
        size_t prefix_len;
        EchoFlowRef src;    /* the source's budget entry, if budgets are on */
        bool heavy;         /* the source's busiest port */
        EchoFlow *flow;     /* per-flow state, or NULL (none needed, or OOM) */
        ImpairDecision d;
        EchoRecordReason verdict; /* ECHO_RECORD_REPLIED, or why it was dropped (for the record) */
} EchoDatagram;

/* Embedded in the Echo, zeroed. */
typedef struct EchoAdmit {
        const ConfEcho *ce;                     /* the top level in effect */
        uint16_t ports[ECHO_ADMIT_PORTS_MAX];   /* our echo ports, network order */
        unsigned columns[ECHO_ADMIT_PORTS_MAX]; /* profile_table_column() of each */
        size_t n_ports;
        EchoProfile *profiles; /* n_profiles, [0] = default */
        size_t n_profiles;
        ProfileTable table;
        uint32_t last_serial;
        EchoLoop loop; /* plain replies just sent (256 KiB) */
} EchoAdmit;

/* Takes @c (the top level of the Conf now in effect; keep it referenced) with the top
 * seed @seed in use: rebuilds the profiles and their table (echo_profiles_build(), what a
 * reload keeps carried over) and sets the loop memory's window for the profile that holds
 * replies longest. Returns 0, or -ENOMEM/-E2BIG with nothing changed. */
int echo_admit_set_conf(EchoAdmit *a, const ConfEcho *c, uint64_t seed);

/* Adds the next echo socket's local @port (network order); at most ECHO_ADMIT_PORTS_MAX. */
void echo_admit_add_port(EchoAdmit *a, uint16_t port);

/* Frees the profiles and the table; @a is zeroed. */
void echo_admit_done(EchoAdmit *a);

/* Step 1: limits on the datagram and its source (fills key.addr and port). Returns false,
 * the drop counted in @cnt, to drop it. */
bool echo_admit_datagram(const EchoAdmit *a, EchoCounters *cnt, EchoDatagram *dg);

/* Step 2: a netlab probe, a counters query or plain bytes, and the classroom profile it
 * belongs to (echo_admit_profile()). Returns false (counted) to drop it. */
bool echo_admit_classify(EchoAdmit *a, EchoCounters *cnt, EchoDatagram *dg);

/* Step 2's second half, alone for a datagram the STAMP reflector has decoded: sets
 * dg->prof and dg->pr to the classroom profile of its source and local port (one binary
 * search; none without profiles) and counts it there. */
void echo_admit_profile(EchoAdmit *a, EchoDatagram *dg);

/* Step 3: a plain datagram or a STAMP test packet that is a reply we sent to this peer
 * within the window before @now_usec, coming back from another echo service (a
 * reflection loop), is dropped (counted). Sets dg->loop_hash for plain datagrams. */
bool echo_admit_unlooped(const EchoAdmit *a, EchoCounters *cnt, EchoDatagram *dg, usec_t now_usec);

/* Step 4: the profile's lab_compat format for what is neither a probe nor STAMP, at the
 * server time @now_realtime_usec: "timestamp" sets the prefix (cut to max_payload),
 * "uppercase" rewrites the request in place (and dg->loop_hash to the bytes then sent). */
void echo_admit_lab_compat(const EchoAdmit *a, EchoDatagram *dg, usec_t now_realtime_usec);
