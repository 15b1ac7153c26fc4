/* stamp.c — STAMP (RFC 8762 + RFC 8972) test packets: the sender builds and the reflector
 * answers in place, the sender parses the answer. Pure (layout in stamp.h): the caller
 * brings the times, counters, TTL/TOS and clock state. Used by ping_stamp.c and by the
 * reflector in netlabd's datagram path; fuzzed by tests/fuzz/fuzz_stamp.c. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "stamp.h"
#include "unaligned.h"

#define NSEC_PER_SEC_ 1000000000ULL
#define NTP_UNIX_OFFSET 2208988800ULL   /* 1900-01-01 to 1970-01-01, RFC 5905 */

enum {
        OFF_SEQ = 0,
        OFF_TIMESTAMP = 4,
        OFF_ERROR = 12,
        OFF_SSID = 14,
        OFF_SENDER_MBZ = 16,            /* 28 octets in the sender's packet */
        OFF_RECEIVE = 16,
        OFF_SENDER_SEQ = 24,
        OFF_SENDER_TIMESTAMP = 28,
        OFF_SENDER_ERROR = 36,
        OFF_MBZ1 = 38,
        OFF_TTL = 40,
        OFF_MBZ2 = 41,
};

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != 0)
                        return false;
        return true;
}

uint64_t stamp_timestamp_from_ns(uint64_t unix_ns, bool ptp, int32_t tai_offset_sec) {
        uint64_t sec = unix_ns / NSEC_PER_SEC_, ns = unix_ns % NSEC_PER_SEC_;

        if (ptp)
                /* RFC 8186 §2.3: the 32 low bits of PTPv2's 48-bit TAI seconds, then ns. */
                return (uint64_t) (uint32_t) (sec + (uint64_t) (int64_t) tai_offset_sec) << 32 | ns;

        /* RFC 5905 §6: seconds since 1900 modulo 2^32 (era rollover in 2036), binary fraction. */
        return (uint64_t) (uint32_t) (sec + NTP_UNIX_OFFSET) << 32 | (ns << 32) / NSEC_PER_SEC_;
}

uint64_t stamp_timestamp_to_ns(uint64_t ts, bool ptp, int32_t tai_offset_sec) {
        uint64_t sec = ts >> 32, lo = ts & 0xffffffffu;

        if (ptp) {
                int64_t utc = (int64_t) sec - tai_offset_sec;
                return utc < 0 ? 0 : (uint64_t) utc * NSEC_PER_SEC_ + (lo < NSEC_PER_SEC_ ? lo : NSEC_PER_SEC_ - 1);
        }

        /* Era 0 covers 1968-2036; NTP seconds below the 1970 offset are read as era 1
         * (2036-2104), the only reading that makes sense for a measurement taken now. */
        uint64_t unix_sec = sec >= NTP_UNIX_OFFSET ? sec - NTP_UNIX_OFFSET : sec + (1ULL << 32) - NTP_UNIX_OFFSET;
        return unix_sec * NSEC_PER_SEC_ + ((lo * NSEC_PER_SEC_ + (1ULL << 31)) >> 32);
}

uint16_t stamp_error_estimate(const ClockSync *clock, bool ptp) {
        assert(clock);

        /* Units of 2^-32 s, rounded up so the stated error covers the real one. */
        unsigned __int128 u = ((unsigned __int128) clock->error_ns << 32) + NSEC_PER_SEC_ - 1;
        u /= NSEC_PER_SEC_;
        if (u == 0)
                u = 1;

        unsigned scale = 0;
        uint64_t mult;
        for (;; scale++) {
                unsigned __int128 m = (u + ((unsigned __int128) 1 << scale) - 1) >> scale;
                if (m <= 255 || scale == 63) {
                        mult = m > 255 ? 255 : (uint64_t) m;
                        break;
                }
        }

        return (uint16_t) ((clock->synchronized ? STAMP_ERR_S : 0) | (ptp ? STAMP_ERR_Z : 0) |
                           scale << 8 | (mult ?: 1));
}

uint64_t stamp_error_estimate_ns(uint16_t ee) {
        unsigned scale = (ee >> 8) & 0x3f, mult = ee & 0xff;
        unsigned __int128 ns = (unsigned __int128) mult * NSEC_PER_SEC_ << scale;

        ns >>= 32;
        return ns > UINT64_MAX ? UINT64_MAX : (uint64_t) ns;
}

int stamp_parse_sender(const uint8_t *buf, size_t len, StampSenderPacket *ret) {
        assert(buf || len == 0);
        assert(ret);

        if (len < STAMP_BASE_SIZE)
                return -EBADMSG;

        *ret = (StampSenderPacket) {
                .seq = unaligned_read_be32(buf + OFF_SEQ),
                .timestamp = unaligned_read_be64(buf + OFF_TIMESTAMP),
                .error_estimate = unaligned_read_be16(buf + OFF_ERROR),
                .ssid = unaligned_read_be16(buf + OFF_SSID),
                .mbz_zero = all_zero(buf + OFF_SENDER_MBZ, STAMP_BASE_SIZE - OFF_SENDER_MBZ),
        };
        return 0;
}

/* One TLV at buf[off..len): 1 with its type and value length if it fits, 0 at the end of
 * the datagram, -EBADMSG if its header or value runs past the end. */
static int tlv_at(const uint8_t *buf, size_t len, size_t off, uint8_t *ret_type, size_t *ret_vlen) {
        if (off >= len)
                return 0;
        if (len - off < STAMP_TLV_HEADER_SIZE)
                return -EBADMSG;

        size_t vlen = unaligned_read_be16(buf + off + 2);
        if (vlen > len - off - STAMP_TLV_HEADER_SIZE)
                return -EBADMSG;

        *ret_type = buf[off + 1];
        *ret_vlen = vlen;
        return 1;
}

static bool tlv_length_valid(uint8_t type, size_t vlen) {
        switch (type) {
        case STAMP_TLV_TIMESTAMP_INFO:
                return vlen == STAMP_TIMESTAMP_INFO_LEN;
        case STAMP_TLV_CLASS_OF_SERVICE:
                return vlen == STAMP_COS_LEN;
        case STAMP_TLV_DIRECT_MEASUREMENT:
                return vlen == STAMP_DM_LEN;
        default:
                return true;
        }
}

static bool tlv_understood(uint8_t type) {
        return type == STAMP_TLV_EXTRA_PADDING || type == STAMP_TLV_TIMESTAMP_INFO ||
               type == STAMP_TLV_CLASS_OF_SERVICE || type == STAMP_TLV_DIRECT_MEASUREMENT;
}

int stamp_reflect(uint8_t *buf, size_t len, const StampReflectParams *p, StampReflectResult *ret_result) {
        StampReflectResult res = {};
        StampSenderPacket s;

        assert(p);

        if (stamp_parse_sender(buf, len, &s) < 0)
                return -EBADMSG;

        bool ptp = s.error_estimate & STAMP_ERR_Z;
        int32_t tai = p->clock.tai_offset_sec;

        /* The sender's fields move to their reflector positions first: the reflector's own
         * fields overwrite where they were. SSID stays at 14 (RFC 8972 §3: copied). */
        unaligned_write_be32(buf + OFF_SENDER_SEQ, s.seq);
        unaligned_write_be64(buf + OFF_SENDER_TIMESTAMP, s.timestamp);
        unaligned_write_be16(buf + OFF_SENDER_ERROR, s.error_estimate);
        memset(buf + OFF_MBZ1, 0, 2);
        buf[OFF_TTL] = (uint8_t) (p->ttl < 0 ? 0 : p->ttl > 255 ? 255 : p->ttl);
        memset(buf + OFF_MBZ2, 0, 3);

        /* RFC 8762 §4.2: a stateless reflector copies the sender's sequence number, a
         * stateful one counts its own per session. */
        unaligned_write_be32(buf + OFF_SEQ, p->stateful ? p->seq : s.seq);
        unaligned_write_be64(buf + OFF_RECEIVE, stamp_timestamp_from_ns(p->rx_ns, ptp, tai));
        unaligned_write_be16(buf + OFF_ERROR, stamp_error_estimate(&p->clock, ptp));

        uint8_t tos = (uint8_t) (p->tos < 0 ? 0 : p->tos);
        for (size_t off = STAMP_BASE_SIZE;;) {
                uint8_t type = 0;
                size_t vlen = 0;

                int r = tlv_at(buf, len, off, &type, &vlen);
                if (r == 0)
                        break;
                res.n_tlvs++;
                /* §4: a malformed TLV (wrong length for its type, or one that claims more than
                 * the datagram holds) gets M; processing stops and the rest goes back as it
                 * came. A 1-3 octet tail still has a flags octet to carry the mark. */
                if (r < 0 || !tlv_length_valid(type, vlen)) {
                        uint8_t flags = STAMP_TLV_FLAG_M;

                        if (len - off >= 2 && !tlv_understood(buf[off + 1]))
                                flags |= STAMP_TLV_FLAG_U;
                        buf[off] = flags;
                        res.n_malformed++;
                        break;
                }

                uint8_t *v = buf + off + STAMP_TLV_HEADER_SIZE;
                /* Reserved flag bits are zeroed on transmit; U, M, I clear for what we did. */
                buf[off] = 0;
                switch (type) {
                case STAMP_TLV_EXTRA_PADDING:
                        break;          /* echoed as received (§4.1) */
                case STAMP_TLV_TIMESTAMP_INFO:
                        v[0] = p->sync_source;
                        v[1] = p->ts_method_in;
                        v[2] = p->sync_source;
                        v[3] = p->ts_method_out;
                        break;
                case STAMP_TLV_CLASS_OF_SERVICE: {
                        /* §4.4: DSCP1(6) DSCP2(6) ECN(2) RP(2) Reserved(16). DSCP2 and ECN are
                         * what arrived (erratum 8199); RP = 1 when the reply cannot use DSCP1. */
                        uint8_t dscp1 = v[0] >> 2, dscp2 = tos >> 2, ecn = tos & 3;
                        uint8_t rp = p->dscp_settable ? 0 : 1;

                        v[0] = (uint8_t) (dscp1 << 2 | dscp2 >> 4);
                        v[1] = (uint8_t) ((dscp2 & 0xf) << 4 | ecn << 2 | rp);
                        v[2] = v[3] = 0;
                        res.has_cos = true;
                        res.reply_dscp = p->dscp_settable ? dscp1 : dscp2;
                        break;
                }
                case STAMP_TLV_DIRECT_MEASUREMENT:
                        /* §4.5: S_TxC as sent; R_RxC and R_TxC are ours. */
                        unaligned_write_be32(v + 4, p->rx_count);
                        unaligned_write_be32(v + 8, p->tx_count);
                        res.has_dm = true;
                        break;
                default:
                        /* §4: not understood: copied with U set, value untouched. */
                        buf[off] = STAMP_TLV_FLAG_U;
                        res.n_unrecognized++;
                        break;
                }
                off += STAMP_TLV_HEADER_SIZE + vlen;
        }

        /* The transmit timestamp goes in last, as close to the send as the caller let us. */
        unaligned_write_be64(buf + OFF_TIMESTAMP, stamp_timestamp_from_ns(p->tx_ns, ptp, tai));

        if (ret_result)
                *ret_result = res;
        return (int) len;
}

bool stamp_sender_size_ok(size_t size, bool direct_measurement) {
        size_t base = direct_measurement ? STAMP_SENDER_DM_SIZE : STAMP_BASE_SIZE;

        if (size < base)
                return false;
        return size == base || size - base >= STAMP_TLV_HEADER_SIZE;
}

int stamp_build_sender(uint8_t *buf, size_t size, const StampSenderParams *p) {
        assert(buf);
        assert(p);

        if (!stamp_sender_size_ok(size, p->direct_measurement))
                return -EINVAL;
        size_t pad_at = STAMP_BASE_SIZE + (p->direct_measurement ? STAMP_TLV_HEADER_SIZE + STAMP_DM_LEN : 0);
        if (size > pad_at && size - pad_at - STAMP_TLV_HEADER_SIZE > 0xffff)
                return -EINVAL;         /* one padding TLV holds at most 65535 octets */

        memset(buf, 0, size);
        unaligned_write_be32(buf + OFF_SEQ, p->seq);
        unaligned_write_be64(buf + OFF_TIMESTAMP, stamp_timestamp_from_ns(p->tx_ns, p->ptp, p->clock.tai_offset_sec));
        unaligned_write_be16(buf + OFF_ERROR, stamp_error_estimate(&p->clock, p->ptp));
        unaligned_write_be16(buf + OFF_SSID, p->ssid);

        size_t off = STAMP_BASE_SIZE;
        if (p->direct_measurement) {
                buf[off] = STAMP_TLV_FLAG_U;
                buf[off + 1] = STAMP_TLV_DIRECT_MEASUREMENT;
                unaligned_write_be16(buf + off + 2, STAMP_DM_LEN);
                unaligned_write_be32(buf + off + 4, p->tx_count);   /* R_RxC, R_TxC: zero (§4.5) */
                off += STAMP_TLV_HEADER_SIZE + STAMP_DM_LEN;
        }
        if (off < size) {
                buf[off] = STAMP_TLV_FLAG_U;
                buf[off + 1] = STAMP_TLV_EXTRA_PADDING;
                unaligned_write_be16(buf + off + 2, (uint16_t) (size - off - STAMP_TLV_HEADER_SIZE));
        }
        return 0;
}

int stamp_parse_reflector(const uint8_t *buf, size_t len, StampReflectorPacket *ret) {
        assert(buf || len == 0);
        assert(ret);

        if (len < STAMP_BASE_SIZE)
                return -EBADMSG;

        StampReflectorPacket r = {
                .seq = unaligned_read_be32(buf + OFF_SEQ),
                .timestamp = unaligned_read_be64(buf + OFF_TIMESTAMP),
                .error_estimate = unaligned_read_be16(buf + OFF_ERROR),
                .ssid = unaligned_read_be16(buf + OFF_SSID),
                .receive_timestamp = unaligned_read_be64(buf + OFF_RECEIVE),
                .sender_seq = unaligned_read_be32(buf + OFF_SENDER_SEQ),
                .sender_timestamp = unaligned_read_be64(buf + OFF_SENDER_TIMESTAMP),
                .sender_error_estimate = unaligned_read_be16(buf + OFF_SENDER_ERROR),
                .sender_ttl = buf[OFF_TTL],
                .mbz_zero = all_zero(buf + OFF_MBZ1, 2) && all_zero(buf + OFF_MBZ2, 3),
        };

        for (size_t off = STAMP_BASE_SIZE;;) {
                uint8_t type = 0;
                size_t vlen = 0;

                int k = tlv_at(buf, len, off, &type, &vlen);
                if (k == 0)
                        break;
                if (k < 0 || (buf[off] & STAMP_TLV_FLAG_M) || !tlv_length_valid(type, vlen)) {
                        r.n_malformed++;        /* §4: stop at a malformed TLV */
                        break;
                }

                const uint8_t *v = buf + off + STAMP_TLV_HEADER_SIZE;
                off += STAMP_TLV_HEADER_SIZE + vlen;
                if (buf[off - STAMP_TLV_HEADER_SIZE - vlen] & (STAMP_TLV_FLAG_U | STAMP_TLV_FLAG_I)) {
                        r.n_unrecognized++;     /* §4: skip what the reflector did not process */
                        continue;
                }

                switch (type) {
                case STAMP_TLV_TIMESTAMP_INFO:
                        r.has_ts_info = true;
                        r.sync_src_in = v[0];
                        r.ts_in = v[1];
                        r.sync_src_out = v[2];
                        r.ts_out = v[3];
                        break;
                case STAMP_TLV_CLASS_OF_SERVICE:
                        r.has_cos = true;
                        r.dscp1 = v[0] >> 2;
                        r.dscp2 = (uint8_t) ((v[0] & 3) << 4 | v[1] >> 4);
                        r.ecn = (v[1] >> 2) & 3;
                        r.rp = v[1] & 3;
                        break;
                case STAMP_TLV_DIRECT_MEASUREMENT:
                        r.has_dm = true;
                        r.s_txc = unaligned_read_be32(v);
                        r.r_rxc = unaligned_read_be32(v + 4);
                        r.r_txc = unaligned_read_be32(v + 8);
                        break;
                default:
                        break;
                }
        }

        *ret = r;
        return 0;
}
