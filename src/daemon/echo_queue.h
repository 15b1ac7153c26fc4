/* echo_queue.h — the echo's delay queue: copies of replies that must wait (delay,
 * reorder hold, lab-compatibility text) in a binary min-heap on their deadline, with caps
 * on the number of replies and on their bytes, and the reorder hold of a flow as one
 * helper pair. Pure: no I/O, no clock, no logging; time comes in as a usec_t. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "echo_flow.h"
#include "sockaddr.h"
#include "time_util.h"

/* Bytes the queued replies may take at once, whatever max_queue says (65536 queued 64 KiB
 * datagrams would otherwise be 4 GiB): each counts what it really costs,
 * echo_queue_reply_cost(), so a flood of empty datagrams is bounded too. */
#define ECHO_QUEUE_BYTES_MAX (64u * 1024 * 1024)
/* A reply held back for reordering goes out once reorder_gap later replies of its flow
 * have overtaken it, or after this long if the flow goes quiet. */
#define ECHO_QUEUE_HOLD_USEC (200 * USEC_PER_MSEC)

/* One queued reply. The queue sets due/order/heap_idx/held/release_after; the fields
 * marked "caller" are the echo's and the queue never reads them. */
struct EchoReply {
        usec_t due;                     /* CLOCK_MONOTONIC; set by the caller before echo_queue_push() */
        uint64_t order;                 /* FIFO among equal deadlines */
        uint32_t heap_idx;
        EchoFlowRef flow;               /* caller: the flow it belongs to, or ECHO_FLOW_REF_NULL */
        uint64_t release_after;         /* held: leaves when its flow's sent count reaches this */
        bool reorder;                   /* caller: hold it back when it is due */
        bool held;                      /* held back for reordering (by echo_queue_hold()) */
        bool probe;                     /* caller: restamp server_tx when it leaves */
        uint8_t sock;                   /* caller: socket index */
        uint8_t copies;                 /* caller: 1, or 2 when duplicated */
        uint16_t profile;               /* caller: the echo's profile index (reorder gap) */
        SockAddr peer;                  /* caller */
        socklen_t peer_len;             /* caller */
        /* caller, STAMP reflector: the request's arrival, for the reply built as it leaves */
        uint64_t stamp_rx_ns;
        uint64_t stamp_rx_count;
        int16_t stamp_ttl, stamp_tos;
        size_t len;
        uint8_t data[];
};

/* Embedded in its owner; zero-initialised plus echo_queue_set_limits() is ready to use.
 * All fields are private to echo_queue.c. */
typedef struct EchoQueue {
        EchoReply **heap;
        size_t n, n_alloc;
        size_t bytes;                   /* echo_queue_reply_cost() of every reply not yet freed */
        uint64_t order;
        size_t max_replies;             /* in the heap at once */
        size_t max_bytes;
} EchoQueue;

/* The bytes one reply of @len payload bytes costs: its allocation, header included, and
 * its slot in the heap array. What the byte cap counts. */
size_t echo_queue_reply_cost(size_t len);

/* Sets the caps: at most @max_replies replies in the queue and @max_bytes bytes allocated
 * for them, echo_queue_reply_cost() each (echo.c uses max_queue and ECHO_QUEUE_BYTES_MAX). Replies already
 * queued stay, even above the new caps. */
void echo_queue_set_limits(EchoQueue *q, size_t max_replies, size_t max_bytes);

/* Frees every queued reply and the heap; @q is empty (caps kept) and usable again. */
void echo_queue_done(EchoQueue *q);

/* Allocates a reply holding @prefix (may be empty) followed by @data, counts its cost
 * against the byte cap and sets *ret: len = @prefix_len + @len, flow = ECHO_FLOW_REF_NULL,
 * copies = 1, everything else zero. The reply is not queued yet (echo_queue_push() or
 * echo_queue_hold()); it is the caller's until then, to free with echo_queue_reply_free().
 * Returns 0, -ENOBUFS (the queue is at max_replies or the bytes would exceed max_bytes)
 * or -ENOMEM. */
int echo_queue_reply_new(EchoQueue *q, const void *prefix, size_t prefix_len, const void *data, size_t len,
                         EchoReply **ret);

/* Frees a reply that is not in the queue (never pushed, or popped/released) and gives its
 * bytes back. NULL-safe. */
void echo_queue_reply_free(EchoQueue *q, EchoReply *r);

/* Queues @r (owned by @q from now on) by r->due, after replies with the same due.
 * Returns 0, or -ENOMEM (@r is still the caller's). */
int echo_queue_push(EchoQueue *q, EchoReply *r);

/* Removes and returns the reply with the earliest deadline if it is due by @now_usec
 * (due <= @now_usec), else NULL. The reply becomes the caller's; if it is held, hand it
 * to echo_queue_release() as it goes out. */
EchoReply *echo_queue_pop_due(EchoQueue *q, usec_t now_usec);

/* The earliest deadline in the queue, or USEC_INFINITY when it is empty. */
usec_t echo_queue_next_due(const EchoQueue *q);

/* Replies in the queue (held ones included). */
size_t echo_queue_size(const EchoQueue *q);

/* The reorder hold, part 1: holds @r (not queued) back behind later replies of its flow,
 * whose hold is @h. @r is queued to leave at @now_usec + ECHO_QUEUE_HOLD_USEC, unless
 * echo_queue_release() hands it back earlier, once @gap more replies of the flow went
 * out. Returns 0 (held; @r is the queue's), -EBUSY (the flow already holds a reply: one
 * at a time) or -ENOMEM; on failure @r is unchanged and still the caller's. */
int echo_queue_hold(EchoQueue *q, EchoReply *r, EchoHold *h, unsigned gap, usec_t now_usec);

/* The reorder hold, part 2: a reply of @h's flow goes out now. @sent is that reply if it
 * was popped from the queue, NULL if it goes straight from the receive buffer. Counts it;
 * if @sent is the held reply itself (its hold timed out) the hold is over. Returns the
 * held reply if @gap replies have now overtaken it, removed from the queue: the caller
 * sends it right after @sent (without calling this again) and frees it. Otherwise NULL. */
EchoReply *echo_queue_release(EchoQueue *q, EchoHold *h, const EchoReply *sent);
