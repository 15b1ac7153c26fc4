/* probe.h — netlab probe wire format, version 1 (doc/protocol.md). Shared by netlabd's
 * echo service and netlab-ping. Pure: encode/decode over caller-owned buffers.
 *
 * All fields are big-endian. A probe is at least PROBE_HEADER_SIZE bytes; the client
 * may pad it to any size, the server echoes padding untouched and writes only into
 * the server fields, so a reply is exactly as long as its request.
 *
 *   off len field
 *     0   4 magic            "NLAB" (0x4e4c4142)
 *     4   1 version          1
 *     5   1 flags            PROBE_FLAG_* (client sends 0; server sets REPLY)
 *     6   2 profile          0 on send; a server with classroom profiles writes
 *                            1 + the index of the answering profile (1 = default)
 *     8   8 session_id       client-chosen, random per run: identifies the flow
 *    16   8 seq              client sequence number
 *    24   8 client_send_usec client clock, opaque to the server (echoed back)
 *    32   8 server_rx_usec   server receive time, CLOCK_REALTIME usec (kernel stamp)
 *    40   8 server_tx_usec   server send time, CLOCK_REALTIME usec
 *    48   8 flow_received    probes of this flow the server has received so far,
 *                            this one included
 *    56   8 flow_dropped     probes of this flow the server dropped on purpose
 *                            (emulated loss) so far
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "time_util.h"

#define PROBE_MAGIC UINT32_C(0x4e4c4142)
#define PROBE_VERSION 1
#define PROBE_HEADER_SIZE 64
#define PROBE_FLAG_REPLY 0x01
/* Counters query (doc/protocol.md, "Final counters"): a client sets COUNTERS in a
 * request of at least PROBE_COUNTERS_SIZE bytes to ask for its flow's final counts; a
 * server that implements it answers without counting or impairing the query and sets
 * FINAL (with REPLY). A version-1 server without it leaves both bits as they came, so
 * FINAL stays clear and the client knows not to trust the counts. */
#define PROBE_FLAG_COUNTERS 0x02
#define PROBE_FLAG_FINAL 0x04
#define PROBE_COUNTERS_SIZE 80

typedef struct Probe {
        uint8_t version;
        uint8_t flags;
        uint16_t profile;               /* reply: 1 + the server's profile index, 0 = not told */
        uint64_t session_id;
        uint64_t seq;
        usec_t client_send_usec;
        usec_t server_rx_usec;
        usec_t server_tx_usec;
        uint64_t flow_received;
        uint64_t flow_dropped;
} Probe;

/* Decodes the header of @buf[0..len). Returns 0 and fills *ret, or -EBADMSG if the bytes
 * are not a netlab v1 probe (too short, wrong magic or version): the server then echoes
 * them verbatim (RFC 862). Never reads beyond @len. */
int probe_decode(const void *buf, size_t len, Probe *ret);

/* Writes the full PROBE_HEADER_SIZE-byte header of @p into @buf (magic and version are
 * always PROBE_MAGIC/PROBE_VERSION). @buf must hold PROBE_HEADER_SIZE bytes. */
void probe_encode(const Probe *p, void *buf);

/* Server side: stamps a received probe in place. Sets PROBE_FLAG_REPLY and writes the
 * four server fields; touches no other byte. @len must be >= PROBE_HEADER_SIZE (the
 * caller has decoded it). */
void probe_stamp_reply(void *buf, size_t len, usec_t server_rx_usec, usec_t server_tx_usec,
                       uint64_t flow_received, uint64_t flow_dropped);

/* Server side, counters query: writes the answer's extension (bytes 64..79: the loss
 * model's mean burst length in thousandths of a probe, 0 = no loss model, then 12 zero
 * bytes) and sets PROBE_FLAG_FINAL. The caller stamps the header with
 * probe_stamp_reply() as for any reply. @len must be >= PROBE_COUNTERS_SIZE. */
void probe_stamp_counters(void *buf, size_t len, uint32_t burst_mean_milli);

/* Client side: the mean burst length (thousandths) of a counters answer, or 0 if @len is
 * below PROBE_COUNTERS_SIZE. */
uint32_t probe_counters_burst_mean(const void *buf, size_t len);

/* Server side: writes the profile tag (1 + the index of the classroom profile that
 * answers, 0 = not told) into bytes 6..7 of a stamped reply. Touches no other byte.
 * @len must be >= PROBE_HEADER_SIZE. */
void probe_stamp_profile(void *buf, size_t len, uint16_t profile);

/* Rewrites only server_tx_usec of an already stamped reply (used when a delayed reply
 * leaves the queue). */
void probe_restamp_tx(void *buf, size_t len, usec_t server_tx_usec);
