/* test_probe.c — table tests of the netlab probe wire format (src/shared/probe.c,
 * doc/protocol.md): what decodes as a probe, the exact byte layout, and that the
 * server's stamping writes only into the reserved fields, so a reply is never larger
 * than its request and the client's padding comes back untouched. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "probe.h"
#include "tests.h"

/* A v1 header with session 0x0102030405060708, seq 9, client time 0x0a0b0c0d0e0f1011,
 * server fields zero, as the client puts it on the wire. */
static const uint8_t golden[PROBE_HEADER_SIZE] = {
        'N', 'L', 'A', 'B', 1, 0, 0, 0,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        0, 0, 0, 0, 0, 0, 0, 9,
        0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
};

START_TEST(test_encode_golden) {
        uint8_t buf[PROBE_HEADER_SIZE];
        Probe p = {
                .session_id = UINT64_C(0x0102030405060708),
                .seq = 9,
                .client_send_usec = UINT64_C(0x0a0b0c0d0e0f1011),
        };

        memset(buf, 0xee, sizeof(buf));
        probe_encode(&p, buf);
        ck_assert_mem_eq(buf, golden, sizeof(buf));
}
END_TEST

START_TEST(test_roundtrip) {
        uint8_t buf[PROBE_HEADER_SIZE];
        Probe in = {
                .flags = PROBE_FLAG_REPLY,
                .session_id = UINT64_MAX,
                .seq = UINT64_C(1) << 63,
                .client_send_usec = 1,
                .server_rx_usec = 2,
                .server_tx_usec = UINT64_C(1764000000000000),
                .flow_received = 123456789,
                .flow_dropped = 42,
        }, out;

        probe_encode(&in, buf);
        ck_assert_int_eq(probe_decode(buf, sizeof(buf), &out), 0);
        ck_assert_uint_eq(out.version, PROBE_VERSION);
        ck_assert_uint_eq(out.flags, in.flags);
        ck_assert_uint_eq(out.session_id, in.session_id);
        ck_assert_uint_eq(out.seq, in.seq);
        ck_assert_uint_eq(out.client_send_usec, in.client_send_usec);
        ck_assert_uint_eq(out.server_rx_usec, in.server_rx_usec);
        ck_assert_uint_eq(out.server_tx_usec, in.server_tx_usec);
        ck_assert_uint_eq(out.flow_received, in.flow_received);
        ck_assert_uint_eq(out.flow_dropped, in.flow_dropped);
}
END_TEST

/* What is and is not a probe: anything else is echoed verbatim by the server. */
static const struct {
        const char *what;
        size_t len;             /* bytes of the (golden-prefixed, zero-padded) datagram */
        int patch_off;          /* -1: none */
        uint8_t patch_val;
        int expect;
} decode_cases[] = {
        { "exact header", PROBE_HEADER_SIZE, -1, 0, 0 },
        { "padded to 1472", 1472, -1, 0, 0 },
        { "padded to 65507", 65507, -1, 0, 0 },
        { "one byte short", PROBE_HEADER_SIZE - 1, -1, 0, -EBADMSG },
        { "empty", 0, -1, 0, -EBADMSG },
        { "one byte", 1, -1, 0, -EBADMSG },
        { "magic byte 0", PROBE_HEADER_SIZE, 0, 'n', -EBADMSG },
        { "magic byte 3", PROBE_HEADER_SIZE, 3, 'C', -EBADMSG },
        { "version 0", PROBE_HEADER_SIZE, 4, 0, -EBADMSG },
        { "version 2", PROBE_HEADER_SIZE, 4, 2, -EBADMSG },
        { "flags are not validated", PROBE_HEADER_SIZE, 5, 0xff, 0 },
        { "reserved is ignored", PROBE_HEADER_SIZE, 6, 0xff, 0 },
};

START_TEST(test_decode_table) {
        _cleanup_free_ uint8_t *buf = calloc(1, 65507);
        size_t len = decode_cases[_i].len;
        Probe p;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, golden, sizeof(golden));
        if (decode_cases[_i].patch_off >= 0)
                buf[decode_cases[_i].patch_off] = decode_cases[_i].patch_val;
        ck_assert_msg(probe_decode(buf, len, &p) == decode_cases[_i].expect, "%s", decode_cases[_i].what);
        if (decode_cases[_i].expect == 0) {
                ck_assert_uint_eq(p.seq, 9);
                ck_assert_uint_eq(p.session_id, UINT64_C(0x0102030405060708));
        }
}
END_TEST

START_TEST(test_decode_null_empty) {
        Probe p;

        ck_assert_int_eq(probe_decode(NULL, 0, &p), -EBADMSG);
}
END_TEST

/* Stamping a request of @len bytes changes bytes 5 (flag bit) and 32..63 only. */
static const size_t stamp_lens[] = { PROBE_HEADER_SIZE, 65, 100, 1472, 9000, 65507 };

START_TEST(test_stamp_in_place) {
        size_t len = stamp_lens[_i];
        _cleanup_free_ uint8_t *req = malloc(len), *rep = malloc(len);
        Probe p;

        ck_assert_ptr_nonnull(req);
        ck_assert_ptr_nonnull(rep);
        for (size_t k = 0; k < len; k++)
                req[k] = (uint8_t) (k * 7 + 3);
        memcpy(req, golden, sizeof(golden));
        memcpy(rep, req, len);

        probe_stamp_reply(rep, len, 1000, 2000, 5, 2);
        ck_assert_int_eq(probe_decode(rep, len, &p), 0);
        ck_assert_uint_eq(p.flags, PROBE_FLAG_REPLY);
        ck_assert_uint_eq(p.server_rx_usec, 1000);
        ck_assert_uint_eq(p.server_tx_usec, 2000);
        ck_assert_uint_eq(p.flow_received, 5);
        ck_assert_uint_eq(p.flow_dropped, 2);
        ck_assert_uint_eq(p.seq, 9);
        ck_assert_uint_eq(p.client_send_usec, UINT64_C(0x0a0b0c0d0e0f1011));

        for (size_t k = 0; k < len; k++) {
                if (k == 5 || (k >= 32 && k < 64))
                        continue;
                ck_assert_msg(req[k] == rep[k], "byte %zu of %zu changed", k, len);
        }

        probe_restamp_tx(rep, len, 3000);
        ck_assert_int_eq(probe_decode(rep, len, &p), 0);
        ck_assert_uint_eq(p.server_rx_usec, 1000);
        ck_assert_uint_eq(p.server_tx_usec, 3000);
        ck_assert_uint_eq(p.flow_received, 5);
        ck_assert_uint_eq(p.profile, 0); /* the golden request's reserved bytes are 0 */

        /* The profile tag: bytes 6..7 only, big-endian. */
        memcpy(req, rep, len);
        probe_stamp_profile(rep, len, 0x0102);
        ck_assert_int_eq(probe_decode(rep, len, &p), 0);
        ck_assert_uint_eq(p.profile, 0x0102);
        ck_assert_uint_eq(rep[6], 1);
        ck_assert_uint_eq(rep[7], 2);
        for (size_t k = 0; k < len; k++)
                if (k != 6 && k != 7)
                        ck_assert_msg(req[k] == rep[k], "byte %zu of %zu changed by the profile tag", k, len);
        /* A client never sends one. */
        probe_encode(&p, rep);
        ck_assert_uint_eq(rep[6], 0);
        ck_assert_uint_eq(rep[7], 0);
}
END_TEST

/* The counters answer: FINAL set, the burst mean at 64..67, 68..79 zeroed, the rest of
 * the header and any padding untouched. */
START_TEST(test_counters_answer) {
        uint8_t buf[PROBE_COUNTERS_SIZE + 4];
        Probe p;

        memset(buf, 0xaa, sizeof(buf));
        probe_encode(&(Probe) { .flags = PROBE_FLAG_COUNTERS, .session_id = 7, .seq = 20 }, buf);
        ck_assert_uint_eq(probe_counters_burst_mean(buf, sizeof(buf)), 0xaaaaaaaa);
        probe_stamp_counters(buf, sizeof(buf), 3333);
        ck_assert_int_eq(probe_decode(buf, sizeof(buf), &p), 0);
        ck_assert_uint_eq(p.flags, PROBE_FLAG_COUNTERS | PROBE_FLAG_FINAL);
        ck_assert_uint_eq(p.seq, 20);
        ck_assert_uint_eq(probe_counters_burst_mean(buf, sizeof(buf)), 3333);
        ck_assert_uint_eq(probe_counters_burst_mean(buf, PROBE_COUNTERS_SIZE - 1), 0);
        for (size_t i = 68; i < PROBE_COUNTERS_SIZE; i++)
                ck_assert_uint_eq(buf[i], 0);
        for (size_t i = PROBE_COUNTERS_SIZE; i < sizeof(buf); i++)
                ck_assert_uint_eq(buf[i], 0xaa);
}
END_TEST

static Suite *probe_suite(void) {
        Suite *s = suite_create("probe");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_encode_golden);
        tcase_add_test(tc, test_roundtrip);
        tcase_add_loop_test(tc, test_decode_table, 0, ELEMENTSOF(decode_cases));
        tcase_add_test(tc, test_decode_null_empty);
        tcase_add_loop_test(tc, test_stamp_in_place, 0, ELEMENTSOF(stamp_lens));
        tcase_add_test(tc, test_counters_answer);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(probe_suite)
