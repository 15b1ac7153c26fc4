/* stamp.h — STAMP test packets (RFC 8762, unauthenticated mode) with the RFC 8972
 * extensions: Session Identifier (SSID) and TLVs. Pure: parses and builds over
 * caller-owned buffers; times come in as arguments; nothing here reads a clock, logs or
 * allocates. Shared by netlab-ping --stamp (sender) and netlabd's reflector.
 *
 * Session-Sender test packet, 44 octets + TLVs (RFC 8972 §3):
 *   off len field
 *     0   4 sequence number
 *     4   8 timestamp                  NTP 64-bit, or PTPv2 truncated when Z is set
 *    12   2 error estimate             S|Z|scale(6)|multiplier(8), RFC 4656 §4.1.2
 *    14   2 SSID                       0 = not used
 *    16  28 MBZ
 *    44   … TLVs                       flags(1) type(1) length(2) value(length)
 * Session-Reflector test packet, 44 octets + TLVs (RFC 8762 §4.3.1, RFC 8972 §3):
 *     0   4 sequence number            stateless: the sender's; stateful: the reflector's
 *     4   8 timestamp                  when the reply left (T3)
 *    12   2 error estimate
 *    14   2 SSID                       copied
 *    16   8 receive timestamp          when the request arrived (T2)
 *    24   4 session-sender sequence number
 *    28   8 session-sender timestamp   (T1)
 *    36   2 session-sender error estimate
 *    38   2 MBZ
 *    40   1 session-sender TTL         TTL / Hop Limit of the received request
 *    41   3 MBZ
 *    44   … TLVs                       at the same offsets as in the request
 * Both bases are 44 octets, so the reflector answers in place and the reply is exactly
 * as long as the request (RFC 6038 symmetric size): never an amplifier. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock_sync.h"

#define STAMP_PORT 862
#define STAMP_BASE_SIZE 44
#define STAMP_TLV_HEADER_SIZE 4

/* Error estimate bits (RFC 4656 §4.1.2; Z from RFC 8186 §2.3). */
#define STAMP_ERR_S 0x8000u             /* clock synchronized to UTC by an external source */
#define STAMP_ERR_Z 0x4000u             /* timestamps in PTPv2 truncated format */

/* STAMP TLV flags (RFC 8972 §4). */
#define STAMP_TLV_FLAG_U 0x80u          /* unrecognized: the reflector did not understand it */
#define STAMP_TLV_FLAG_M 0x40u          /* malformed */
#define STAMP_TLV_FLAG_I 0x20u          /* integrity (HMAC) check failed */

/* TLV types (RFC 8972 §4, IANA "STAMP TLV Types"). */
enum {
        STAMP_TLV_EXTRA_PADDING = 1,
        STAMP_TLV_LOCATION = 2,
        STAMP_TLV_TIMESTAMP_INFO = 3,
        STAMP_TLV_CLASS_OF_SERVICE = 4,
        STAMP_TLV_DIRECT_MEASUREMENT = 5,
        STAMP_TLV_ACCESS_REPORT = 6,
        STAMP_TLV_FOLLOW_UP_TELEMETRY = 7,
        STAMP_TLV_HMAC = 8,
};

#define STAMP_TIMESTAMP_INFO_LEN 4
#define STAMP_COS_LEN 4
#define STAMP_DM_LEN 12

/* Timestamp Information TLV values (RFC 8972 §4.3, Tables 7 and 8). 0 is "reserved": we
 * send it for a clock whose source we cannot name rather than guess. */
#define STAMP_SYNC_SRC_NTP 1
#define STAMP_TS_METHOD_HW_ASSIST 1
#define STAMP_TS_METHOD_SW_LOCAL 2

/* Octets of a sender packet holding the base and a Direct Measurement TLV. */
#define STAMP_SENDER_DM_SIZE (STAMP_BASE_SIZE + STAMP_TLV_HEADER_SIZE + STAMP_DM_LEN)

typedef struct StampSenderPacket {
        uint32_t seq;
        uint64_t timestamp;             /* as on the wire; stamp_timestamp_to_ns() reads it */
        uint16_t error_estimate;
        uint16_t ssid;
        bool mbz_zero;                  /* the 28 MBZ octets are all zero */
} StampSenderPacket;

/* Parses the base of a Session-Sender packet in buf[0..len). Returns 0 and fills *ret, or
 * -EBADMSG when len < STAMP_BASE_SIZE (such a datagram cannot be answered at its own
 * size and is not STAMP). Reads only buf[0..44). */
int stamp_parse_sender(const uint8_t *buf, size_t len, StampSenderPacket *ret);

/* What the caller knows when a reflected packet is built. */
typedef struct StampReflectParams {
        uint64_t rx_ns;                 /* CLOCK_REALTIME ns of arrival (the kernel's stamp) */
        uint64_t tx_ns;                 /* CLOCK_REALTIME ns just before the send */
        ClockSync clock;                /* S bit, error, TAI offset for PTP */
        int ttl;                        /* TTL / Hop Limit received, 0..255; < 0 unknown: 0 */
        int tos;                        /* TOS / Traffic Class byte received; < 0 unknown: 0 */
        bool stateful;                  /* use @seq; otherwise the sender's number is kept */
        uint32_t seq;                   /* stateful: this session's reflector sequence number */
        uint32_t rx_count;              /* Direct Measurement R_RxC: received, this one included */
        uint32_t tx_count;              /* Direct Measurement R_TxC: sent, this reply included */
        bool dscp_settable;             /* CoS: the reply will carry the DSCP1 asked for */
        uint8_t sync_source;            /* Timestamp Information: STAMP_SYNC_SRC_*, 0 unknown */
        uint8_t ts_method_in;           /* STAMP_TS_METHOD_* of rx_ns */
        uint8_t ts_method_out;          /* STAMP_TS_METHOD_* of tx_ns */
} StampReflectParams;

typedef struct StampReflectResult {
        unsigned n_tlvs;                /* TLVs walked (up to and including a malformed one) */
        unsigned n_unrecognized;        /* answered with U set */
        unsigned n_malformed;           /* 0 or 1: processing stops at the first */
        bool has_cos;                   /* a well-formed Class of Service TLV was answered */
        uint8_t reply_dscp;             /* has_cos: the DSCP the reply must carry (DSCP1 if
                                         * dscp_settable, else the received one) */
        bool has_dm;                    /* a Direct Measurement TLV was filled */
} StampReflectResult;

/* Turns the Session-Sender packet in buf[0..len) into the Session-Reflector packet, in
 * place (RFC 8762 §4.3.1, RFC 8972 §4). The reply is exactly @len octets: the buffer's
 * capacity is @len and nothing is ever written or read past it. Timestamps use the
 * sender's format (Z bit, RFC 8186); the error estimate carries S only when
 * @p->clock.synchronized. TLVs, walked in order:
 *   Extra Padding        echoed untouched, flags cleared
 *   Timestamp Info       Sync Src In/Out, Timestamp In/Out filled from @p
 *   Class of Service     DSCP2 and ECN from @p->tos, RP = 0 if @p->dscp_settable, else 1
 *   Direct Measurement   S_TxC kept, R_RxC and R_TxC from @p
 *   anything else        value copied, U set ("not understood", §4)
 *   malformed            (a length wrong for its type, or a TLV running past the datagram,
 *                        including 1-3 stray octets): M set, processing stops, the rest of
 *                        the datagram is copied as received (§4)
 * Returns @len (> 0), or -EBADMSG if len < STAMP_BASE_SIZE (buf untouched). Fills
 * *ret_result (may be NULL) on success. */
int stamp_reflect(uint8_t *buf, size_t len, const StampReflectParams *p, StampReflectResult *ret_result);

typedef struct StampSenderParams {
        uint32_t seq;
        uint64_t tx_ns;                 /* CLOCK_REALTIME ns */
        ClockSync clock;
        bool ptp;                       /* PTPv2 truncated timestamps (Z) instead of NTP */
        uint16_t ssid;                  /* 0: none */
        bool direct_measurement;        /* add a Direct Measurement TLV ... */
        uint32_t tx_count;              /* ... with S_TxC = this (sent, this one included) */
} StampSenderParams;

/* Builds a Session-Sender packet of exactly @size octets into @buf (capacity @size): the
 * base, a Direct Measurement TLV if asked for, and an Extra Padding TLV (zeros, §4.1 MAY)
 * for whatever is left. TLVs go out with U set, as §4 requires of a sender, so a reflector
 * that does not know RFC 8972 leaves the mark. Returns 0, or -EINVAL if @size does not
 * fit that layout (see stamp_sender_size_ok()) or the padding would exceed 65535 octets. */
int stamp_build_sender(uint8_t *buf, size_t size, const StampSenderParams *p);

/* Whether a sender packet of @size octets can be laid out: >= the base (plus the DM TLV
 * if @direct_measurement), and the rest either 0 or room for a padding TLV (>= 4). */
bool stamp_sender_size_ok(size_t size, bool direct_measurement);

typedef struct StampReflectorPacket {
        uint32_t seq;
        uint64_t timestamp;             /* T3, wire format per error_estimate's Z */
        uint16_t error_estimate;
        uint16_t ssid;
        uint64_t receive_timestamp;     /* T2 */
        uint32_t sender_seq;
        uint64_t sender_timestamp;      /* T1, as the sender sent it */
        uint16_t sender_error_estimate;
        uint8_t sender_ttl;
        bool mbz_zero;                  /* octets 38-39 and 41-43 are zero */
        /* TLVs the reflector answered (U, M, I clear); counts of the others */
        bool has_dm;
        uint32_t s_txc, r_rxc, r_txc;
        bool has_cos;
        uint8_t dscp1, dscp2, ecn, rp;
        bool has_ts_info;
        uint8_t sync_src_in, ts_in, sync_src_out, ts_out;
        unsigned n_unrecognized;        /* TLVs coming back with U set */
        unsigned n_malformed;           /* M set, or a TLV chain running past the datagram */
} StampReflectorPacket;

/* Parses a Session-Reflector packet in buf[0..len) (the sender's side). TLVs with U or I
 * set are skipped and counted; at one with M set, or one that runs past the datagram,
 * parsing of TLVs stops (§4) and it is counted as malformed. Returns 0 and fills *ret, or
 * -EBADMSG when len < STAMP_BASE_SIZE. Never reads past buf[len - 1]. */
int stamp_parse_reflector(const uint8_t *buf, size_t len, StampReflectorPacket *ret);

/* The 64-bit timestamp for @unix_ns (CLOCK_REALTIME): NTP (seconds since 1900 and a
 * binary fraction, RFC 5905 §6) or, with @ptp, PTPv2 truncated (TAI seconds since 1970
 * and nanoseconds; TAI = UTC + @tai_offset_sec). */
uint64_t stamp_timestamp_from_ns(uint64_t unix_ns, bool ptp, int32_t tai_offset_sec);

/* The inverse: Unix ns (UTC) of a wire timestamp. NTP seconds below the 1970 offset are
 * read as era 1 (2036-2104); a PTP time before 1970 gives 0, nanoseconds >= 10^9 (never
 * sent by a correct peer) are clamped. */
uint64_t stamp_timestamp_to_ns(uint64_t ts, bool ptp, int32_t tai_offset_sec);

/* Error estimate field for @clock: S from clock->synchronized, Z from @ptp, and the
 * smallest scale whose multiplier (1..255) covers clock->error_ns, rounded up so the
 * estimate is never smaller than the error. */
uint16_t stamp_error_estimate(const ClockSync *clock, bool ptp);

/* The error an error estimate field states, in ns (multiplier * 2^(scale - 32) s),
 * saturating at UINT64_MAX. */
uint64_t stamp_error_estimate_ns(uint16_t ee);
