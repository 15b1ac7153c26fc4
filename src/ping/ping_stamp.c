/* ping_stamp.c — the STAMP Session-Sender of netlab-ping (--stamp): the wire format on top
 * of the datagram prober (ping_dgram.c, which owns the socket, the schedule, the receive
 * and error queues and the timeouts, as for the UDP mode). Test packet N is built by
 * stamp.c with the sender's clock state from clock_sync.c; what differs from the UDP mode
 * is the packet: STAMP's 32-bit sequence number, a random SSID per run, and the
 * reflector's T2/T3, TTL and Direct Measurement counters read back from each reply.
 * Calls ping_dgram.c, stamp.c, clock_sync.c, stats.c and ping.c. */
#include <assert.h>
#include <errno.h>
#include <time.h>
#include <stdlib.h>
#include <sys/random.h>

#include "clock_sync.h"
#include "i18n.h"
#include "log.h"
#include "ping_dgram.h"
#include "ping_stamp.h"
#include "stamp.h"

#define CLOCK_REFRESH_NSEC NSEC_PER_SEC /* re-read adjtimex() at most once a second */

struct PingStamp {
        PingDgram dgram;                /* socket, schedule, receive loops, timeouts */
        uint16_t ssid;
        bool direct_measurement;
        ClockSync clock;
        nsec_t clock_read;
        bool told_invalid, told_no_dm, told_no_ssid;
        uint64_t foreign;               /* replies carrying another session's SSID */
        uint64_t invalid;               /* datagrams too short to be STAMP */
};

PingStamp *ping_stamp_free(PingStamp *s) {
        if (!s)
                return NULL;
        ping_dgram_done(&s->dgram);
        free(s);
        return NULL;
}

void ping_stamp_stop(PingStamp *s) {
        if (s)
                ping_dgram_stop(&s->dgram);
}

/* STAMP numbers are 32 bits; ours count from 0 in 64. A reply's number is the one of
 * the latest 2^32 sent that ends in those bits. */
static uint64_t widen_seq(const PingStamp *s, uint32_t seq32) {
        uint64_t seq = (s->dgram.next_seq & ~UINT64_C(0xffffffff)) | seq32;

        if (seq >= s->dgram.next_seq && seq >= (UINT64_C(1) << 32))
                seq -= UINT64_C(1) << 32;
        return seq;
}

/* PingDgramOps.encode: test packet @seq, stamped with the realtime clock and the clock
 * state (refreshed at most once a second). */
static int encode_packet(void *userdata, uint64_t seq, uint8_t *buf, size_t len) {
        PingStamp *s = userdata;
        int r;

        nsec_t t = ping_now(CLOCK_MONOTONIC);
        if (s->clock_read == 0 || t - s->clock_read >= CLOCK_REFRESH_NSEC) {
                r = clock_sync_read(&s->clock);
                if (r < 0)
                        log_debug_errno(r, "Failed to read the clock state, sending S=0: %m");
                s->clock_read = t;
        }

        return stamp_build_sender(buf, len, &(StampSenderParams) {
                .seq = (uint32_t) seq,
                .tx_ns = ping_now(CLOCK_REALTIME),
                .clock = s->clock,
                .ssid = s->ssid,
                .direct_measurement = s->direct_measurement,
                .tx_count = (uint32_t) (seq + 1),        /* S_TxC: sent so far, this one included */
        });
}

/* PingDgramOps.on_reply: a reflector packet answering this session. */
static void handle_reply(void *userdata, const uint8_t *buf, size_t len, nsec_t t) {
        PingStamp *s = userdata;
        Ping *p = s->dgram.ping;
        StampReflectorPacket rp;
        PingEvent e;

        if (stamp_parse_reflector(buf, len, &rp) < 0) {
                s->invalid++;
                if (!s->told_invalid)
                        log_warning(_("Ignoring a %zu-byte reply that is not a STAMP packet"), len);
                s->told_invalid = true;
                return;
        }
        /* RFC 8972 §3: a reflector that does not know SSIDs returns the field zeroed; we
         * go on (the MAY to stop is ours to decline) and say so once. */
        if (rp.ssid == 0) {
                if (!s->told_no_ssid)
                        log_notice(_("The reflector returns no SSID (RFC 8762 only): matching replies by "
                                     "sequence number alone"));
                s->told_no_ssid = true;
        } else if (rp.ssid != s->ssid) {
                s->foreign++;
                return;
        }

        uint64_t seq = widen_seq(s, rp.sender_seq);
        if (!ping_dgram_match(&s->dgram, seq, len, t, &e))
                return;

        /* T2 and T3 come from the reflector's one clock: their difference is its hold time
         * whatever that clock's offset from ours. */
        bool ptp = rp.error_estimate & STAMP_ERR_Z;
        uint64_t t2 = stamp_timestamp_to_ns(rp.receive_timestamp, ptp, 0);
        uint64_t t3 = stamp_timestamp_to_ns(rp.timestamp, ptp, 0);

        e.has_server = true;
        e.server_hold = t3 >= t2 ? t3 - t2 : 0;
        e.ttl = rp.sender_ttl;

        /* RFC 8972 §4.5 with a stateful reflector: R_RxC counts our packets it received,
         * R_TxC its replies, so R_RxC - R_TxC is what it held back (netlabd: emulated loss);
         * stats.c turns that into upstream/emulated/downstream. A stateless reflector has
         * no per-session count and leaves R_RxC 0. */
        if (rp.has_dm && rp.r_rxc > 0)
                stats_on_server(p->stats, seq, &(StatsServerInfo) {
                        .server_rx_usec = t2 / NSEC_PER_USEC,
                        .server_tx_usec = t3 / NSEC_PER_USEC,
                        .flow_received = rp.r_rxc,
                        .flow_dropped = rp.r_rxc >= rp.r_txc ? rp.r_rxc - rp.r_txc : 0,
                });
        else if (s->direct_measurement && !s->told_no_dm) {
                log_notice(_("The reflector does not fill the Direct Measurement TLV (stateless, or no "
                             "RFC 8972): loss is not split"));
                s->told_no_dm = true;
        }

        ping_dgram_emit_reply(&s->dgram, &e);
}

/* PingDgramOps.decode_quoted: the queued error carries our test packet, hence its
 * sequence number and SSID (octets 0-3 and 14-15). */
static int decode_quoted(void *userdata, const uint8_t *buf, size_t len, uint64_t *ret_seq) {
        PingStamp *s = userdata;
        StampSenderPacket sp;

        if (stamp_parse_sender(buf, len, &sp) < 0 || sp.ssid != s->ssid)
                return -EBADMSG;
        *ret_seq = widen_seq(s, sp.seq);
        return 0;
}

static const PingDgramOps stamp_ops = {
        .encode = encode_packet,
        .on_reply = handle_reply,
        .decode_quoted = decode_quoted,
        .quoted_max = STAMP_BASE_SIZE,
};

int ping_stamp_new(Ping *p, PingStamp **ret) {
        int r;

        assert(p);
        assert(ret);

        bool dm = p->conf.size >= STAMP_SENDER_DM_SIZE;
        if (!stamp_sender_size_ok(p->conf.size, dm))
                return -EINVAL;

        PingStamp *s = calloc(1, sizeof(PingStamp));
        if (!s)
                return -ENOMEM;
        _cleanup_(ping_stamp_freep) PingStamp *cleanup = s;
        s->direct_measurement = dm;

        /* RFC 8972 §3: a non-zero SSID, locally unique: random per run. */
        while (s->ssid == 0)
                if (getrandom(&s->ssid, sizeof(s->ssid), 0) != sizeof(s->ssid))
                        s->ssid = (uint16_t) (ping_now(CLOCK_REALTIME) ^ (uint64_t) getpid()) | 1;

        r = ping_dgram_init(&s->dgram, p, &stamp_ops, s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(cleanup);
        return 0;
}
