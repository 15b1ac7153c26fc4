/* probe.c — encode/decode of the netlab probe header (format in probe.h). The server
 * calls probe_decode() on every datagram and probe_stamp_reply() on the ones it answers;
 * the client encodes requests and decodes replies. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "probe.h"
#include "unaligned.h"

enum {
        OFF_MAGIC = 0,
        OFF_VERSION = 4,
        OFF_FLAGS = 5,
        OFF_PROFILE = 6,
        OFF_SESSION = 8,
        OFF_SEQ = 16,
        OFF_CLIENT_SEND = 24,
        OFF_SERVER_RX = 32,
        OFF_SERVER_TX = 40,
        OFF_FLOW_RECEIVED = 48,
        OFF_FLOW_DROPPED = 56,
        OFF_BURST_MEAN = 64,            /* counters answer only */
};

int probe_decode(const void *buf, size_t len, Probe *ret) {
        const uint8_t *b = buf;

        assert(buf || len == 0);
        assert(ret);

        if (len < PROBE_HEADER_SIZE)
                return -EBADMSG;
        if (unaligned_read_be32(b + OFF_MAGIC) != PROBE_MAGIC || b[OFF_VERSION] != PROBE_VERSION)
                return -EBADMSG;

        *ret = (Probe) {
                .version = b[OFF_VERSION],
                .flags = b[OFF_FLAGS],
                .profile = unaligned_read_be16(b + OFF_PROFILE),
                .session_id = unaligned_read_be64(b + OFF_SESSION),
                .seq = unaligned_read_be64(b + OFF_SEQ),
                .client_send_usec = unaligned_read_be64(b + OFF_CLIENT_SEND),
                .server_rx_usec = unaligned_read_be64(b + OFF_SERVER_RX),
                .server_tx_usec = unaligned_read_be64(b + OFF_SERVER_TX),
                .flow_received = unaligned_read_be64(b + OFF_FLOW_RECEIVED),
                .flow_dropped = unaligned_read_be64(b + OFF_FLOW_DROPPED),
        };
        return 0;
}

void probe_encode(const Probe *p, void *buf) {
        uint8_t *b = buf;

        assert(p);
        assert(buf);

        unaligned_write_be32(b + OFF_MAGIC, PROBE_MAGIC);
        b[OFF_VERSION] = PROBE_VERSION;
        b[OFF_FLAGS] = p->flags;
        b[OFF_PROFILE] = b[OFF_PROFILE + 1] = 0; /* the server's to fill in */
        unaligned_write_be64(b + OFF_SESSION, p->session_id);
        unaligned_write_be64(b + OFF_SEQ, p->seq);
        unaligned_write_be64(b + OFF_CLIENT_SEND, p->client_send_usec);
        unaligned_write_be64(b + OFF_SERVER_RX, p->server_rx_usec);
        unaligned_write_be64(b + OFF_SERVER_TX, p->server_tx_usec);
        unaligned_write_be64(b + OFF_FLOW_RECEIVED, p->flow_received);
        unaligned_write_be64(b + OFF_FLOW_DROPPED, p->flow_dropped);
}

void probe_stamp_profile(void *buf, size_t len, uint16_t profile) {
        assert(buf);
        assert(len >= PROBE_HEADER_SIZE);

        unaligned_write_be16((uint8_t *) buf + OFF_PROFILE, profile);
}

void probe_stamp_reply(void *buf, size_t len, usec_t server_rx_usec, usec_t server_tx_usec,
                       uint64_t flow_received, uint64_t flow_dropped) {
        uint8_t *b = buf;

        assert(buf);
        assert(len >= PROBE_HEADER_SIZE);

        b[OFF_FLAGS] |= PROBE_FLAG_REPLY;
        unaligned_write_be64(b + OFF_SERVER_RX, server_rx_usec);
        unaligned_write_be64(b + OFF_SERVER_TX, server_tx_usec);
        unaligned_write_be64(b + OFF_FLOW_RECEIVED, flow_received);
        unaligned_write_be64(b + OFF_FLOW_DROPPED, flow_dropped);
}

void probe_restamp_tx(void *buf, size_t len, usec_t server_tx_usec) {
        assert(buf);
        assert(len >= PROBE_HEADER_SIZE);

        unaligned_write_be64((uint8_t *) buf + OFF_SERVER_TX, server_tx_usec);
}

void probe_stamp_counters(void *buf, size_t len, uint32_t burst_mean_milli) {
        uint8_t *b = buf;

        assert(buf);
        assert(len >= PROBE_COUNTERS_SIZE);

        unaligned_write_be32(b + OFF_BURST_MEAN, burst_mean_milli);
        memset(b + OFF_BURST_MEAN + 4, 0, PROBE_COUNTERS_SIZE - OFF_BURST_MEAN - 4);
        b[OFF_FLAGS] |= PROBE_FLAG_FINAL;
}

uint32_t probe_counters_burst_mean(const void *buf, size_t len) {
        assert(buf || len == 0);

        if (len < PROBE_COUNTERS_SIZE)
                return 0;
        return unaligned_read_be32((const uint8_t *) buf + OFF_BURST_MEAN);
}
