/* echo_record.h — the record for grading: a bounded ring of the echo's most recent
 * decisions (one fixed-size entry per datagram: when, from whom, which profile, what it
 * was, what was done to it), queried newest first by peer and profile. Profile names are
 * interned once per reload into a small table, so an entry stores a 16-bit index and
 * keeps its name across later reloads. Pure: no I/O, no clock, no logging. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time_util.h"

#define ECHO_RECORD_PAYLOAD 32        /* plain datagrams: first bytes kept */
#define ECHO_RECORD_SIZE_MAX 16777216 /* entries (echo.record's upper bound) */
#define ECHO_RECORD_NAMES_MAX 1024    /* distinct profile names interned since start */
#define ECHO_RECORD_NAME_MAX 32

typedef enum EchoRecordReason {
        ECHO_RECORD_REPLIED,    /* answered (now, or later through the delay queue) */
        ECHO_RECORD_LOSS,       /* dropped by the loss model */
        ECHO_RECORD_RATE_LIMIT, /* dropped: the source's token bucket was empty */
        ECHO_RECORD_QUEUE_FULL, /* dropped: the delay queue was full */
        ECHO_RECORD_LOOP,       /* dropped: an echo server's reply (would loop) */
        _ECHO_RECORD_REASON_MAX,
        _ECHO_RECORD_REASON_INVALID = -EINVAL,
} EchoRecordReason;

#define ECHO_RECORD_F_PROBE 0x01      /* a netlab probe: u.seq is valid */
#define ECHO_RECORD_F_DUPLICATED 0x02 /* answered more than once */
#define ECHO_RECORD_F_REORDERED 0x04  /* held back behind later replies */

/* One decision: ECHO_RECORD_ENTRY_SIZE (72) bytes. */
typedef struct EchoRecordEntry {
        usec_t rx_usec;      /* CLOCK_REALTIME of the receive */
        uint32_t delay_usec; /* delay applied to the reply */
        uint32_t bytes;      /* datagram length */
        uint8_t addr[16];    /* the peer: IPv6, or IPv4 as ::ffff:a.b.c.d */
        uint16_t port;       /* the peer's, host order */
        uint16_t profile;    /* echo_record_intern() index of the profile's name */
        uint8_t reason;      /* EchoRecordReason; ECHO_RECORD_REPLIED = verdict replied */
        uint8_t flags;       /* ECHO_RECORD_F_* */
        uint8_t payload_len; /* plain datagrams: bytes of u.payload in use */
        uint8_t pad;
        union {
                uint64_t seq; /* probes */
                uint8_t payload[ECHO_RECORD_PAYLOAD];
        } u;
} EchoRecordEntry;

#define ECHO_RECORD_ENTRY_SIZE 72

typedef struct EchoRecord {
        EchoRecordEntry *ring;    /* size entries */
        size_t size, head, count; /* head: where the next entry goes */
        uint64_t total;           /* entries ever added */
        char (*names)[ECHO_RECORD_NAME_MAX + 1];
        size_t n_names;
} EchoRecord;

/* Which entries echo_record_query() returns: a peer (@has_peer: addr and port), a
 * profile (@profile >= 0: an interned index), both or neither. */
typedef struct EchoRecordFilter {
        bool has_peer;
        uint8_t addr[16];
        uint16_t port; /* host order */
        int profile;   /* -1: any */
} EchoRecordFilter;

/* Resizes @r to @size entries (0 = off: frees the ring), keeping the newest ones that
 * fit. The name table stays. Returns 0, -E2BIG (over ECHO_RECORD_SIZE_MAX) or -ENOMEM
 * (@r unchanged). A zeroed EchoRecord is a valid, empty, off record. */
int echo_record_set_size(EchoRecord *r, size_t size);

/* Frees everything; @r is zeroed (a valid off record again). */
void echo_record_done(EchoRecord *r);

/* The index of @name in the name table, adding it if new. Returns the index, or
 * -E2BIG when ECHO_RECORD_NAMES_MAX names are taken (the caller records index 0,
 * which echo.c interns first as "default"), -ENOMEM, or -EINVAL (too long). */
int echo_record_intern(EchoRecord *r, const char *name);

/* The interned name @idx, or "?" for an unknown index. */
const char *echo_record_name(const EchoRecord *r, unsigned idx);

/* Fills *ret for a datagram of @len bytes at @buf from @addr/@port (host order) in
 * interned profile @profile, received at @rx_usec: a probe (@probe) keeps its @seq,
 * plain bytes their first ECHO_RECORD_PAYLOAD bytes. Verdict replied, no delay, no flags
 * beyond ECHO_RECORD_F_PROBE: the caller sets reason, delay_usec and flags. */
void echo_record_entry_init(EchoRecordEntry *ret, usec_t rx_usec, const uint8_t addr[static 16], uint16_t port,
                            uint16_t profile, const void *buf, size_t len, bool probe, uint64_t seq);

/* Appends @e, overwriting the oldest entry when full; a no-op when off. */
void echo_record_add(EchoRecord *r, const EchoRecordEntry *e);

/* Copies up to @max entries matching @f into @ret, newest first. Returns how many, and
 * sets *ret_more (may be NULL) if more entries matched than fit. */
size_t echo_record_query(const EchoRecord *r, const EchoRecordFilter *f, EchoRecordEntry *ret, size_t max,
                         bool *ret_more);

/* "replied", "loss", "rate_limit", "queue_full", "loop"; NULL if out of range. */
const char *echo_record_reason_to_string(EchoRecordReason reason);
