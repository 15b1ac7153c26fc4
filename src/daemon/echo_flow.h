/* echo_flow.h — the echo's per-flow state table: a keyed hash over an array that grows
 * by doubling up to a maximum, with an LRU list that recycles idle entries and, when
 * full, prefers one-off flows over flows in use. Pure: no I/O, no clock, no logging;
 * time comes in as a usec_t and the hash key from the caller. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "echo_budget.h"
#include "impair.h"
#include "time_util.h"

/* Flow entries idle for longer than this are recycled before the table is full. */
#define ECHO_FLOW_IDLE_USEC (600 * USEC_PER_SEC)
/* A full table recycles an entry that saw one datagram among this many least recently
 * used ones before it recycles a flow that is in use. */
#define ECHO_FLOW_EVICT_SCAN 8
/* The smallest bucket array and the first array allocation, in entries. */
#define ECHO_FLOW_MIN 64u

typedef enum EchoFlowKind {
        ECHO_FLOW_PROBE = 1,            /* address + port + probe session id */
        ECHO_FLOW_PLAIN,                /* address + port: non-probe datagrams */
        ECHO_FLOW_SOURCE,               /* address only: the rate and byte budgets */
} EchoFlowKind;

/* Compared and hashed as raw bytes, so every byte (padding included) must be set:
 * initialise keys with `= {}` before filling them. */
typedef struct EchoFlowKey {
        uint8_t addr[16];               /* IPv6, or IPv4 as ::ffff:a.b.c.d */
        uint64_t session;               /* probe session id; 0 for other kinds */
        uint16_t port;                  /* network order; 0 for ECHO_FLOW_SOURCE */
        uint8_t kind;                   /* EchoFlowKind */
        uint8_t pad[5];
} EchoFlowKey;

/* A reference to a flow that survives table growth and detects recycling: the entry's
 * generation is bumped whenever it is evicted. */
typedef struct EchoFlowRef {
        uint32_t idx;                   /* ECHO_FLOW_REF_NULL.idx: no flow */
        uint32_t gen;
} EchoFlowRef;

#define ECHO_FLOW_REF_NULL ((EchoFlowRef) { .idx = UINT32_MAX })

typedef struct EchoReply EchoReply;

/* The reorder hold of one flow (echo_queue_hold() and echo_queue_release() manage it):
 * at most one reply is held back until enough later replies of the flow went out. */
typedef struct EchoHold {
        EchoReply *reply;               /* borrowed from the delay queue, or NULL */
        uint64_t sent;                  /* replies of this flow that went out */
} EchoHold;

typedef struct EchoFlow {
        EchoFlowKey key;
        uint32_t hnext;                 /* hash chain: index + 1, 0 ends */
        uint32_t lru_prev, lru_next;    /* UINT32_MAX ends */
        uint32_t gen;                   /* bumped on eviction: stale EchoFlowRefs see it */
        uint64_t received;              /* reported in probe replies; 1 = a one-off flow */
        uint64_t dropped;
        uint32_t stamp_tx;              /* STAMP session: replies built (R_TxC), next seq */
        usec_t last_usec;
        /* classroom view (echo.c): the profile it was last classified into, and what
         * /api/flows shows */
        uint32_t profile_serial; /* EchoProfile serial; another one resets loss */
        uint16_t profile;        /* index into the echo's profiles, 0 = default */
        bool lab;                /* answered in lab_compat mode */
        usec_t first_usec;
        uint64_t last_seq; /* probes: the latest sequence number seen */
        uint64_t replied;
        uint64_t dropped_loss, dropped_rate_limit, dropped_queue_full;
        ImpairLossState loss;
        EchoHold hold;
        /* ECHO_FLOW_SOURCE only: the address's budgets, and a bucket of its own for its
         * counters queries (apart from the budgets) */
        EchoBudget budget;
        ImpairBucket query_bucket;
} EchoFlow;

/* Embedded in its owner; all fields are private to echo_flow.c. */
typedef struct EchoFlowTable {
        EchoFlow *flows;
        uint32_t n_alloc, n_used, n_live;
        uint32_t max_flows;
        uint32_t *heads;                /* index + 1, 0 = empty; mask + 1 buckets */
        uint32_t mask;
        uint32_t lru_head, lru_tail;    /* head = most recently used */
        uint32_t free_head;             /* chained through hnext (index + 1) */
        uint64_t hash_key[4];
} EchoFlowTable;

/* Initialises @t for at most @max_flows (>= 1) entries, hashing with @hash_key (copied;
 * keep it secret and random per process, so clients cannot aim their keys at one hash
 * chain). Returns 0 or -ENOMEM (then @t needs no echo_flow_table_done(), but it is safe). */
int echo_flow_table_init(EchoFlowTable *t, const uint64_t hash_key[static 4], uint32_t max_flows);

/* Frees the table's memory; @t can be initialised again. */
void echo_flow_table_done(EchoFlowTable *t);

/* Changes the maximum and evicts least recently used flows until the table fits. */
void echo_flow_table_set_max(EchoFlowTable *t, uint32_t max_flows);

/* Finds the flow of @k and makes it the most recently used, at time @now_usec. If there
 * is none and @create is true, makes a zeroed one (key and time set); to get room it
 * first recycles the least recently used flow if that is idle for over
 * ECHO_FLOW_IDLE_USEC, and at max_flows it recycles the first one-off flow (received
 * <= 1, not a source) among the ECHO_FLOW_EVICT_SCAN least recently used, or else the
 * least recently used one. A recycled flow's refs go stale.
 * Returns 0 and sets *ret (valid until the next echo_flow_get() or set_max: the array may
 * move), -ENOENT (not found and !@create) or -ENOMEM (no flow was added or evicted). */
int echo_flow_get(EchoFlowTable *t, const EchoFlowKey *k, usec_t now_usec, bool create, EchoFlow **ret);

/* A reference to @f, which must be an entry of @t. */
EchoFlowRef echo_flow_ref(const EchoFlowTable *t, const EchoFlow *f);

/* The flow @ref points to, or NULL if it is ECHO_FLOW_REF_NULL or went stale (evicted,
 * also if the entry now holds another flow). Does not touch the LRU order. */
EchoFlow *echo_flow_from_ref(EchoFlowTable *t, EchoFlowRef ref);

/* Walks the live flows, most recently used first: @prev NULL gives the first, a flow
 * the next one after it; returns NULL at the end. Valid until the table next changes. */
const EchoFlow *echo_flow_next(const EchoFlowTable *t, const EchoFlow *prev);

/* The number of live flows. */
size_t echo_flow_count(const EchoFlowTable *t);
