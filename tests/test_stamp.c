/* test_stamp.c — table tests of the STAMP codec (src/shared/stamp.c) and the clock
 * synchronisation decision (src/shared/clock_sync.c). Every packet is written out octet
 * by octet from the layouts of RFC 8762 §4.2.1/§4.3.1 and RFC 8972 §3-§4.5, so a change
 * of any field's place or meaning fails here. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "stamp.h"
#include "tests.h"

/* 2023-11-14T22:13:20.5Z and .75Z: NTP seconds 0xe8fe6f80, fractions 1/2 and 3/4. */
#define RX_NS 1700000000500000000ULL
#define TX_NS 1700000000750000000ULL

/* A request: seq 0x01020304, T1 0x1122334455667788, error estimate 0x0001, SSID 0xbeef,
 * and MBZ octets that are not zero (the reflector ignores them and writes its own). */
#define REQ_BASE(ee_hi, ee_lo)                                                          \
        0x01, 0x02, 0x03, 0x04,                                                         \
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,                                 \
        ee_hi, ee_lo, 0xbe, 0xef,                                                       \
        0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, \
        0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa

/* The answer to REQ_BASE(0x00, 0x01) at TTL 63, clock synchronized with 1 us error
 * (0x8587: S, scale 5, multiplier 135 = 1.0058 us). */
#define REP_BASE(seq0, seq1, seq2, seq3)                                                \
        seq0, seq1, seq2, seq3,                                                         \
        0xe8, 0xfe, 0x6f, 0x80, 0xc0, 0x00, 0x00, 0x00,         /* T3 */                \
        0x85, 0x87, 0xbe, 0xef,                                 /* error estimate, SSID */ \
        0xe8, 0xfe, 0x6f, 0x80, 0x80, 0x00, 0x00, 0x00,         /* T2 */                \
        0x01, 0x02, 0x03, 0x04,                                 /* sender's seq */      \
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,         /* T1 */                \
        0x00, 0x01, 0x00, 0x00,                                 /* sender's EE, MBZ */  \
        63, 0x00, 0x00, 0x00                                    /* TTL, MBZ */

static const StampReflectParams params = {
        .rx_ns = RX_NS,
        .tx_ns = TX_NS,
        .clock = { .synchronized = true, .error_ns = 1000, .tai_offset_sec = 37 },
        .ttl = 63,
        .tos = 0x29,                    /* DSCP 10 (AF11), ECN 01 (ECT(1)) */
        .seq = 0x00000007,
        .rx_count = 0x0a,
        .tx_count = 0x09,
        .dscp_settable = true,
        .sync_source = STAMP_SYNC_SRC_NTP,
        .ts_method_in = STAMP_TS_METHOD_SW_LOCAL,
        .ts_method_out = STAMP_TS_METHOD_SW_LOCAL,
};

typedef struct ReflectCase {
        const char *name;
        bool stateful;
        bool dscp_settable;
        size_t len;
        uint8_t req[128];
        uint8_t rep[128];
        unsigned n_unrecognized, n_malformed;
        bool has_dm, has_cos;
        uint8_t reply_dscp;
} ReflectCase;

static const ReflectCase reflect_cases[] = {
        { "base, stateless: the sender's sequence number comes back", false, true, 44,
          { REQ_BASE(0x00, 0x01) }, { REP_BASE(0x01, 0x02, 0x03, 0x04) } },
        { "base, stateful: the reflector's own number", true, true, 44,
          { REQ_BASE(0x00, 0x01) }, { REP_BASE(0x00, 0x00, 0x00, 0x07) } },
        { "Direct Measurement: S_TxC kept, R_RxC/R_TxC filled, U cleared", true, true, 60,
          { REQ_BASE(0x00, 0x01), 0x80, 5, 0x00, 12, 0, 0, 0, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0 },
          { REP_BASE(0x00, 0x00, 0x00, 0x07), 0x00, 5, 0x00, 12, 0, 0, 0, 0x0b, 0, 0, 0, 0x0a, 0, 0, 0, 0x09 },
          .has_dm = true },
        { "Class of Service: DSCP2/ECN as received, RP 0", false, true, 56,
          { REQ_BASE(0x00, 0x01), 0x80, 4, 0x00, 4, 0xb8, 0x00, 0x00, 0x00, 0x80, 1, 0x00, 0x00 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x00, 4, 0x00, 4, 0xb8, 0xa4, 0x00, 0x00, 0x00, 1, 0x00, 0x00 },
          .has_cos = true, .reply_dscp = 46 },
        { "Class of Service: DSCP1 not applicable, RP 1, reply keeps the received DSCP", false, false, 52,
          { REQ_BASE(0x00, 0x01), 0x80, 4, 0x00, 4, 0xb8, 0x00, 0xff, 0xff },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x00, 4, 0x00, 4, 0xb8, 0xa5, 0x00, 0x00 },
          .has_cos = true, .reply_dscp = 10 },
        { "Timestamp Information filled", false, true, 52,
          { REQ_BASE(0x00, 0x01), 0x80, 3, 0x00, 4, 0, 0, 0, 0 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x00, 3, 0x00, 4, 1, 2, 1, 2 } },
        { "unknown type and HMAC in unauthenticated mode: copied with U", false, true, 66,
          { REQ_BASE(0x00, 0x01), 0x00, 200, 0x00, 2, 'h', 'i', 0x80, 8, 0x00, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x80, 200, 0x00, 2, 'h', 'i', 0x80, 8, 0x00, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
          .n_unrecognized = 2 },
        { "Extra Padding echoed untouched, reserved flag bits cleared", false, true, 56,
          { REQ_BASE(0x00, 0x01), 0x9f, 1, 0x00, 4, 0xde, 0xad, 0xbe, 0xef, 0x80, 1, 0x00, 0x00 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x00, 1, 0x00, 4, 0xde, 0xad, 0xbe, 0xef, 0x00, 1, 0x00, 0x00 } },
        { "zero padding of a pre-RFC 8972 sender: reserved type 0, each with U", false, true, 52,
          { REQ_BASE(0x00, 0x01), 0, 0, 0, 0, 0, 0, 0, 0 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x80, 0, 0, 0, 0x80, 0, 0, 0 },
          .n_unrecognized = 2 },
        { "Direct Measurement of the wrong length: M, processing stops, rest copied", true, true, 60,
          { REQ_BASE(0x00, 0x01), 0x80, 5, 0x00, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 5, 0x00, 0 },
          { REP_BASE(0x00, 0x00, 0x00, 0x07), 0x40, 5, 0x00, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 5, 0x00, 0 },
          .n_malformed = 1 },
        { "TLV chain claiming more than the datagram: M on it, earlier TLVs answered", false, true, 56,
          { REQ_BASE(0x00, 0x01), 0x80, 1, 0x00, 0, 0x80, 200, 0x03, 0xe8, 1, 2, 3, 4 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x00, 1, 0x00, 0, 0xc0, 200, 0x03, 0xe8, 1, 2, 3, 4 },
          .n_malformed = 1 },
        { "two stray octets after the last TLV: M", false, true, 50,
          { REQ_BASE(0x00, 0x01), 0x80, 1, 0x00, 0, 0x80, 0x01 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x00, 1, 0x00, 0, 0x40, 0x01 },
          .n_malformed = 1 },
        { "one stray octet: M", false, true, 45,
          { REQ_BASE(0x00, 0x01), 0x80 },
          { REP_BASE(0x01, 0x02, 0x03, 0x04), 0x40 },
          .n_malformed = 1 },
};

START_TEST(test_reflect_table) {
        const ReflectCase *c = &reflect_cases[_i];
        StampReflectParams p = params;
        StampReflectResult res;
        uint8_t *buf = malloc(c->len);  /* exact size: ASan sees any overrun */

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, c->req, c->len);
        p.stateful = c->stateful;
        p.dscp_settable = c->dscp_settable;

        ck_assert_msg(stamp_reflect(buf, c->len, &p, &res) == (int) c->len, "%s", c->name);
        for (size_t i = 0; i < c->len; i++)
                ck_assert_msg(buf[i] == c->rep[i], "%s: octet %zu is 0x%02x, expected 0x%02x", c->name, i,
                              buf[i], c->rep[i]);
        ck_assert_uint_eq(res.n_unrecognized, c->n_unrecognized);
        ck_assert_uint_eq(res.n_malformed, c->n_malformed);
        ck_assert_int_eq(res.has_dm, c->has_dm);
        ck_assert_int_eq(res.has_cos, c->has_cos);
        if (c->has_cos)
                ck_assert_uint_eq(res.reply_dscp, c->reply_dscp);
        free(buf);
}
END_TEST

START_TEST(test_reflect_short) {
        uint8_t req[] = { REQ_BASE(0x00, 0x01) }, copy[sizeof(req)];

        memcpy(copy, req, sizeof(req));
        for (size_t len = 0; len < STAMP_BASE_SIZE; len++) {
                ck_assert_int_eq(stamp_reflect(req, len, &params, NULL), -EBADMSG);
                ck_assert(memcmp(req, copy, sizeof(req)) == 0);
        }
        ck_assert_int_eq(stamp_reflect(NULL, 0, &params, NULL), -EBADMSG);
}
END_TEST

START_TEST(test_reflect_ptp) {
        /* RFC 8186: Z in the sender's error estimate -> PTPv2 truncated timestamps (TAI =
         * UTC + 37 s) and Z in ours. */
        uint8_t buf[] = { REQ_BASE(0x40, 0x01) };
        static const uint8_t t3[] = { 0x65, 0x53, 0xf1, 0x25, 0x2c, 0xb4, 0x17, 0x80 };
        static const uint8_t t2[] = { 0x65, 0x53, 0xf1, 0x25, 0x1d, 0xcd, 0x65, 0x00 };

        ck_assert_int_eq(stamp_reflect(buf, sizeof(buf), &params, NULL), 44);
        ck_assert(memcmp(buf + 4, t3, 8) == 0);
        ck_assert(memcmp(buf + 16, t2, 8) == 0);
        ck_assert_uint_eq(buf[12], 0xc5);
        ck_assert_uint_eq(buf[13], 0x87);
        ck_assert_uint_eq(buf[36], 0x40);       /* the sender's estimate, echoed */
}
END_TEST

START_TEST(test_reflect_unknown_ttl_tos) {
        uint8_t buf[] = { REQ_BASE(0x00, 0x01), 0x80, 4, 0x00, 4, 0xb8, 0x00, 0x00, 0x00 };
        StampReflectParams p = params;

        p.ttl = -1;
        p.tos = -1;
        p.clock.synchronized = false;
        ck_assert_int_eq(stamp_reflect(buf, sizeof(buf), &p, NULL), (int) sizeof(buf));
        ck_assert_uint_eq(buf[40], 0);
        ck_assert_uint_eq(buf[12] & 0x80, 0);   /* no S bit for an unsynchronized clock */
        ck_assert_uint_eq(buf[48], 0xb8);       /* DSCP1 kept, DSCP2 0 ... */
        ck_assert_uint_eq(buf[49], 0x00);       /* ... ECN 0, RP 0 */
}
END_TEST

static const struct {
        uint64_t error_ns;
        bool sync, ptp;
        uint16_t ee;
} ee_cases[] = {
        { 1000, true, false, 0x8587 },                  /* 1 us: scale 5, 135 * 2^-27 s */
        { 1000, false, true, 0x4587 },
        { 0, false, false, 0x0001 },                    /* never 0: multiplier 1 */
        { 1, false, false, 0x0005 },                    /* 2^-32 s = 0.23 ns, so 5 of them */
        { 16000000000ULL, false, false, 0x1d80 },       /* 16 s = 128 * 2^-3 s */
        { 1000000000ULL, true, false, 0x9980 },         /* 1 s = 128 * 2^-7 s */
        { UINT64_MAX, false, false, 0x3b8a },           /* the largest error still fits: 138 * 2^27 s */
};

START_TEST(test_error_estimate) {
        ClockSync c = { .synchronized = ee_cases[_i].sync, .error_ns = ee_cases[_i].error_ns };
        uint16_t ee = stamp_error_estimate(&c, ee_cases[_i].ptp);

        ck_assert_msg(ee == ee_cases[_i].ee, "error %llu ns: 0x%04x, expected 0x%04x",
                      (unsigned long long) ee_cases[_i].error_ns, ee, ee_cases[_i].ee);
        /* Rounded up: the stated error covers the real one (within the field's range). */
        if (ee_cases[_i].error_ns < 1000000000000ULL)
                ck_assert_uint_ge(stamp_error_estimate_ns(ee), ee_cases[_i].error_ns);
}
END_TEST

START_TEST(test_timestamps) {
        ck_assert_uint_eq(stamp_timestamp_from_ns(0, false, 0), 0x83aa7e8000000000ULL);
        ck_assert_uint_eq(stamp_timestamp_from_ns(RX_NS, false, 0), 0xe8fe6f8080000000ULL);
        ck_assert_uint_eq(stamp_timestamp_from_ns(RX_NS, true, 37), 0x6553f1251dcd6500ULL);
        ck_assert_uint_eq(stamp_timestamp_to_ns(0xe8fe6f80c0000000ULL, false, 0), TX_NS);
        ck_assert_uint_eq(stamp_timestamp_to_ns(0x6553f1252cb41780ULL, true, 37), TX_NS);
        /* Era 1: 2036-02-07T06:28:16Z is NTP second 0 again. */
        ck_assert_uint_eq(stamp_timestamp_to_ns(0, false, 0), 2085978496ULL * 1000000000ULL);
        /* Round trip within the fraction's resolution (0.23 ns). */
        for (uint64_t ns = RX_NS; ns < RX_NS + 1000000000ULL; ns += 99999989ULL) {
                uint64_t back = stamp_timestamp_to_ns(stamp_timestamp_from_ns(ns, false, 0), false, 0);
                ck_assert_uint_le(ns - back, 1);
                ck_assert_uint_eq(stamp_timestamp_to_ns(stamp_timestamp_from_ns(ns, true, 37), true, 37), ns);
        }
}
END_TEST

START_TEST(test_build_sender) {
        StampSenderParams p = {
                .seq = 5,
                .tx_ns = RX_NS,
                .clock = { .error_ns = 16000000000ULL },
                .ssid = 0x0102,
                .direct_measurement = true,
                .tx_count = 6,
        };
        static const uint8_t expect[] = {
                0, 0, 0, 5, 0xe8, 0xfe, 0x6f, 0x80, 0x80, 0, 0, 0, 0x1d, 0x80, 0x01, 0x02,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x80, 5, 0, 12, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0,     /* DM, U set (§4) */
                0x80, 1, 0, 2, 0, 0,                                    /* Extra Padding */
        };
        uint8_t buf[sizeof(expect)];
        StampSenderPacket sp;

        ck_assert_int_eq(stamp_build_sender(buf, sizeof(buf), &p), 0);
        ck_assert(memcmp(buf, expect, sizeof(buf)) == 0);
        ck_assert_int_eq(stamp_parse_sender(buf, sizeof(buf), &sp), 0);
        ck_assert_uint_eq(sp.seq, 5);
        ck_assert_uint_eq(sp.ssid, 0x0102);
        ck_assert(sp.mbz_zero);

        ck_assert_int_eq(stamp_build_sender(buf, 60, &p), 0);
        ck_assert_int_eq(stamp_build_sender(buf, 61, &p), -EINVAL);     /* 1-3 octets: no TLV fits */
        ck_assert_int_eq(stamp_build_sender(buf, 63, &p), -EINVAL);
        ck_assert_int_eq(stamp_build_sender(buf, 59, &p), -EINVAL);     /* no room for the DM TLV */
        p.direct_measurement = false;
        ck_assert_int_eq(stamp_build_sender(buf, 44, &p), 0);
        ck_assert_int_eq(stamp_build_sender(buf, 45, &p), -EINVAL);
        ck_assert_int_eq(stamp_build_sender(buf, 48, &p), 0);
        ck_assert(!stamp_sender_size_ok(43, false));
        ck_assert(stamp_sender_size_ok(64, true));
}
END_TEST

START_TEST(test_sender_reflector_round_trip) {
        StampSenderParams sp = {
                .seq = 41, .tx_ns = RX_NS - 1000000, .clock = { .error_ns = 2000 },
                .ssid = 9, .direct_measurement = true, .tx_count = 42,
        };
        uint8_t buf[STAMP_SENDER_DM_SIZE + 4 + STAMP_COS_LEN];
        StampReflectorPacket r;

        ck_assert_int_eq(stamp_build_sender(buf, STAMP_SENDER_DM_SIZE, &sp), 0);
        ck_assert_int_eq(stamp_reflect(buf, STAMP_SENDER_DM_SIZE, &params, NULL), STAMP_SENDER_DM_SIZE);
        ck_assert_int_eq(stamp_parse_reflector(buf, STAMP_SENDER_DM_SIZE, &r), 0);
        ck_assert_uint_eq(r.seq, 41);
        ck_assert_uint_eq(r.sender_seq, 41);
        ck_assert_uint_eq(r.ssid, 9);
        ck_assert_uint_eq(r.sender_ttl, 63);
        ck_assert(r.mbz_zero);
        ck_assert(r.has_dm);
        ck_assert_uint_eq(r.s_txc, 42);
        ck_assert_uint_eq(r.r_rxc, 10);
        ck_assert_uint_eq(r.r_txc, 9);
        ck_assert_uint_eq(stamp_timestamp_to_ns(r.receive_timestamp, false, 0), RX_NS);
        ck_assert_uint_eq(stamp_timestamp_to_ns(r.timestamp, false, 0), TX_NS);
        ck_assert_uint_le(RX_NS - 1000000 - stamp_timestamp_to_ns(r.sender_timestamp, false, 0), 1);
        ck_assert_uint_eq(r.error_estimate, 0x8587);
        ck_assert_uint_eq(r.n_unrecognized + r.n_malformed, 0);
}
END_TEST

START_TEST(test_parse_reflector_flags) {
        /* A reflector that did not know DM (U), then CoS answered, then a malformed TLV,
         * then a DM that must not be read (§4: stop at M). */
        static const uint8_t pkt[] = {
                REP_BASE(0, 0, 0, 1),
                0x80, 5, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                0x00, 4, 0, 4, 0xb8, 0xa5, 0, 0,
                0x40, 1, 0, 0,
                0x00, 5, 0, 12, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
        };
        StampReflectorPacket r;

        ck_assert_int_eq(stamp_parse_reflector(pkt, sizeof(pkt), &r), 0);
        ck_assert(!r.has_dm);
        ck_assert(r.has_cos);
        ck_assert_uint_eq(r.dscp1, 46);
        ck_assert_uint_eq(r.dscp2, 10);
        ck_assert_uint_eq(r.ecn, 1);
        ck_assert_uint_eq(r.rp, 1);
        ck_assert_uint_eq(r.n_unrecognized, 1);
        ck_assert_uint_eq(r.n_malformed, 1);

        /* A chain running past the end is malformed, and nothing past len is read. */
        ck_assert_int_eq(stamp_parse_reflector(pkt, 44 + 10, &r), 0);
        ck_assert_uint_eq(r.n_malformed, 1);
        ck_assert_int_eq(stamp_parse_reflector(pkt, 43, &r), -EBADMSG);

        /* MBZ not zero is reported. */
        uint8_t bad[44];
        memcpy(bad, pkt, 44);
        bad[42] = 1;
        ck_assert_int_eq(stamp_parse_reflector(bad, 44, &r), 0);
        ck_assert(!r.mbz_zero);
}
END_TEST

static const struct {
        int state;
        int status;
        long maxerror, esterror;
        bool sync;
        uint64_t error_ns;
} sync_cases[] = {
        { TIME_OK, 0, 8000, 200, true, 200000 },                        /* chrony, in sync */
        { TIME_OK, 0, 8000, 0, true, 8000000 },                         /* no estimate: the bound */
        { TIME_INS, 0, 100000, 50, true, 50000 },                       /* leap second pending */
        { TIME_OK, 0, 100001, 50, false, 100001000 },                   /* bound too loose */
        { TIME_ERROR, STA_UNSYNC, 16000000, 16000000, false, 16000000000ULL }, /* never synced */
        { TIME_OK, STA_UNSYNC, 1000, 10, false, 1000000 },              /* daemon gave up */
        { TIME_ERROR, 0, 1000, 10, false, 1000000 },
        { TIME_OK, 0, 0, 0, true, 1000 },                               /* never claim 0 */
};

START_TEST(test_clock_sync) {
        struct timex tx = {
                .status = sync_cases[_i].status,
                .maxerror = sync_cases[_i].maxerror,
                .esterror = sync_cases[_i].esterror,
                .tai = 37,
        };
        ClockSync c;

        clock_sync_from_timex(sync_cases[_i].state, &tx, &c);
        ck_assert_int_eq(c.synchronized, sync_cases[_i].sync);
        ck_assert_uint_eq(c.error_ns, sync_cases[_i].error_ns);
        ck_assert_int_eq(c.tai_offset_sec, 37);
}
END_TEST

START_TEST(test_clock_sync_read) {
        ClockSync c;

        /* Whatever this machine's clock does: a read needs no privilege and the error is
         * never zero. */
        ck_assert_int_eq(clock_sync_read(&c), 0);
        ck_assert_uint_gt(c.error_ns, 0);
}
END_TEST

static Suite *stamp_suite(void) {
        Suite *s = suite_create("stamp");
        TCase *tc = tcase_create("codec");

        tcase_add_loop_test(tc, test_reflect_table, 0, ELEMENTSOF(reflect_cases));
        tcase_add_test(tc, test_reflect_short);
        tcase_add_test(tc, test_reflect_ptp);
        tcase_add_test(tc, test_reflect_unknown_ttl_tos);
        tcase_add_loop_test(tc, test_error_estimate, 0, ELEMENTSOF(ee_cases));
        tcase_add_test(tc, test_timestamps);
        tcase_add_test(tc, test_build_sender);
        tcase_add_test(tc, test_sender_reflector_round_trip);
        tcase_add_test(tc, test_parse_reflector_flags);
        tcase_add_loop_test(tc, test_clock_sync, 0, ELEMENTSOF(sync_cases));
        tcase_add_test(tc, test_clock_sync_read);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(stamp_suite)
