/* fuzz_probe.c — libFuzzer target for the netlab probe header (src/shared/probe.c) as the
 * echo service handles it: probe_decode() on any datagram, then for a probe the stamping
 * done in place (probe_stamp_reply(), probe_restamp_tx() when a delayed reply leaves the
 * queue). Asserts that decoding never reads past the datagram, that a reply is never
 * larger than its request and that stamping writes only the server's bytes. */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_server_byte(size_t i) {
        return i == 5 || (i >= 32 && i < PROBE_HEADER_SIZE);     /* flags, four server fields */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t *reply, header[PROBE_HEADER_SIZE];
        Probe p, q, e;
        size_t reply_len;
        int r;

        /* An exact-size copy, so ASan catches any read past the end. */
        reply = malloc(size ?: 1);
        if (!reply)
                return 0;
        memcpy(reply, data, size);

        r = probe_decode(reply, size, &p);
        assert(r == 0 || r == -EBADMSG);
        if (r < 0) {
                /* Not a probe: echoed verbatim (RFC 862), same length. */
                free(reply);
                return 0;
        }
        assert(size >= PROBE_HEADER_SIZE);
        assert(p.version == PROBE_VERSION);

        reply_len = size;
        probe_stamp_reply(reply, reply_len, p.seq ^ 1, p.seq ^ 2, p.session_id, UINT64_MAX);
        probe_restamp_tx(reply, reply_len, p.client_send_usec + 1);
        assert(reply_len <= size);
        for (size_t i = 0; i < size; i++)
                if (!is_server_byte(i))
                        assert(reply[i] == data[i]);
        assert(reply[5] == (data[5] | PROBE_FLAG_REPLY));

        /* The reply decodes to the request's client fields and the stamped server ones. */
        r = probe_decode(reply, reply_len, &q);
        assert(r == 0);
        assert(q.flags & PROBE_FLAG_REPLY);
        assert(q.session_id == p.session_id && q.seq == p.seq && q.client_send_usec == p.client_send_usec);
        assert(q.server_rx_usec == (p.seq ^ 1) && q.server_tx_usec == p.client_send_usec + 1);
        assert(q.flow_received == p.session_id && q.flow_dropped == UINT64_MAX);

        /* encode() and decode() are inverse on every field. */
        probe_encode(&q, header);
        r = probe_decode(header, sizeof(header), &e);
        assert(r == 0);
        assert(e.version == q.version && e.flags == q.flags && e.session_id == q.session_id &&
               e.seq == q.seq && e.client_send_usec == q.client_send_usec &&
               e.server_rx_usec == q.server_rx_usec && e.server_tx_usec == q.server_tx_usec &&
               e.flow_received == q.flow_received && e.flow_dropped == q.flow_dropped);

        free(reply);
        return 0;
}
