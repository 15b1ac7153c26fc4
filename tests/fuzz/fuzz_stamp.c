/* fuzz_stamp.c — libFuzzer target for the STAMP codec (src/shared/stamp.c). Reflects the
 * input in place as a stateless and as a stateful reflector would, and parses it as a
 * reflected packet, checking what netlabd relies on: a reply is exactly as long as the
 * request (never larger), the base's MBZ octets come back zero, the sender's fields are
 * echoed, and nothing is read or written outside the datagram (an exact-size copy, so
 * ASan sees any overrun). Built and run by `make fuzz` (tests/fuzz/run.sh); replayed over
 * tests/fuzz/stamp/ by tests/fuzz/replay.c in make check. */

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StampReflectorPacket rp;
        StampSenderPacket sp;
        uint8_t *buf;
        int r;

        buf = malloc(size ? size : 1);
        if (!buf)
                return 0;

        memcpy(buf, data, size);
        r = stamp_parse_reflector(buf, size, &rp);
        assert(r == 0 || (r == -EBADMSG && size < STAMP_BASE_SIZE));
        if (r == 0)
                assert(rp.n_malformed <= 1);

        for (int stateful = 0; stateful <= 1; stateful++) {
                StampReflectResult res;
                StampReflectParams p = {
                        .rx_ns = 1700000000123456789ULL,
                        .tx_ns = 1700000000123999999ULL,
                        .clock = { .synchronized = stateful, .error_ns = 1000, .tai_offset_sec = 37 },
                        .ttl = 64,
                        .tos = 0xb9,
                        .stateful = stateful,
                        .seq = 7,
                        .rx_count = 3,
                        .tx_count = 2,
                        .dscp_settable = stateful,
                };

                memcpy(buf, data, size);
                r = stamp_reflect(buf, size, &p, &res);
                if (size < STAMP_BASE_SIZE) {
                        assert(r == -EBADMSG);
                        assert(memcmp(buf, data, size) == 0);
                        continue;
                }
                assert(r == (int) size);        /* symmetric: never larger, never smaller */
                assert(res.n_malformed <= 1);
                assert(res.n_unrecognized <= res.n_tlvs);

                /* The sender's fields, echoed; the TTL; our MBZ. */
                r = stamp_parse_sender(data, size, &sp);
                assert(r == 0);
                r = stamp_parse_reflector(buf, size, &rp);
                assert(r == 0);
                assert(rp.sender_seq == sp.seq);
                assert(rp.sender_timestamp == sp.timestamp);
                assert(rp.sender_error_estimate == sp.error_estimate);
                assert(rp.ssid == sp.ssid);
                assert(rp.seq == (stateful ? 7 : sp.seq));
                assert(rp.sender_ttl == 64);
                assert(rp.mbz_zero);
                assert(rp.n_malformed == res.n_malformed);
                assert(rp.has_dm == res.has_dm);
                if (rp.has_dm)
                        assert(rp.r_rxc == 3 && rp.r_txc == 2);

                /* Reflecting a reflected packet stays within bounds too. */
                r = stamp_reflect(buf, size, &p, NULL);
                assert(r == (int) size);
        }

        free(buf);
        return 0;
}
