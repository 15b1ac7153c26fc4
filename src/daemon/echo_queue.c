/* echo_queue.c — PURE: the echo's delay queue, a binary min-heap of EchoReply on
 * (due, order) with each reply knowing its heap slot, so a held reply can leave from the
 * middle. echo.c pushes replies that must wait and pops the due ones from its timer; this
 * file calls only libc (allocation) and is tested on its own in tests/test_echo_queue.c. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "echo_queue.h"
#include "macro.h"

static inline bool reply_before(const EchoReply *a, const EchoReply *b) {
        return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static void heap_set(EchoQueue *q, size_t i, EchoReply *r) {
        q->heap[i] = r;
        r->heap_idx = (uint32_t) i;
}

static void heap_sift_up(EchoQueue *q, size_t i) {
        EchoReply *r = q->heap[i];

        while (i > 0) {
                size_t parent = (i - 1) / 2;

                if (!reply_before(r, q->heap[parent]))
                        break;
                heap_set(q, i, q->heap[parent]);
                i = parent;
        }
        heap_set(q, i, r);
}

static void heap_sift_down(EchoQueue *q, size_t i) {
        EchoReply *r = q->heap[i];

        for (;;) {
                size_t c = 2 * i + 1;

                if (c >= q->n)
                        break;
                if (c + 1 < q->n && reply_before(q->heap[c + 1], q->heap[c]))
                        c++;
                if (!reply_before(q->heap[c], r))
                        break;
                heap_set(q, i, q->heap[c]);
                i = c;
        }
        heap_set(q, i, r);
}

static void heap_remove(EchoQueue *q, EchoReply *r) {
        size_t i = r->heap_idx;

        assert(i < q->n && q->heap[i] == r);
        q->n--;
        if (i == q->n)
                return;
        heap_set(q, i, q->heap[q->n]);
        if (i > 0 && reply_before(q->heap[i], q->heap[(i - 1) / 2]))
                heap_sift_up(q, i);
        else
                heap_sift_down(q, i);
}

size_t echo_queue_reply_cost(size_t len) {
        return offsetof(EchoReply, data) + len + sizeof(EchoReply *);
}

void echo_queue_set_limits(EchoQueue *q, size_t max_replies, size_t max_bytes) {
        assert(q);

        q->max_replies = max_replies;
        q->max_bytes = max_bytes;
}

void echo_queue_done(EchoQueue *q) {
        assert(q);

        for (size_t i = 0; i < q->n; i++)
                echo_queue_reply_free(q, q->heap[i]);
        free(q->heap);
        q->heap = NULL;
        q->n = q->n_alloc = 0;
}

int echo_queue_reply_new(EchoQueue *q, const void *prefix, size_t prefix_len, const void *data, size_t len,
                         EchoReply **ret) {
        EchoReply *r;

        assert(q);
        assert(prefix || prefix_len == 0);
        assert(data || len == 0);
        assert(ret);

        if (q->n >= q->max_replies || q->bytes + echo_queue_reply_cost(prefix_len + len) > q->max_bytes)
                return -ENOBUFS;
        r = malloc(offsetof(EchoReply, data) + prefix_len + len);
        if (!r)
                return -ENOMEM;
        *r = (EchoReply) {
                .flow = ECHO_FLOW_REF_NULL,
                .copies = 1,
                .len = prefix_len + len,
        };
        if (prefix_len > 0)
                memcpy(r->data, prefix, prefix_len);
        if (len > 0)
                memcpy(r->data + prefix_len, data, len);
        q->bytes += echo_queue_reply_cost(r->len);
        *ret = r;
        return 0;
}

void echo_queue_reply_free(EchoQueue *q, EchoReply *r) {
        assert(q);

        if (!r)
                return;
        assert(q->bytes >= echo_queue_reply_cost(r->len));
        q->bytes -= echo_queue_reply_cost(r->len);
        free(r);
}

int echo_queue_push(EchoQueue *q, EchoReply *r) {
        assert(q);
        assert(r);

        if (q->n == q->n_alloc) {
                size_t n = MAX(q->n_alloc * 2, (size_t) 64);
                EchoReply **h = reallocarray(q->heap, n, sizeof(EchoReply *));

                if (!h)
                        return -ENOMEM;
                q->heap = h;
                q->n_alloc = n;
        }
        r->order = q->order++;
        q->heap[q->n++] = r;
        heap_sift_up(q, q->n - 1);
        return 0;
}

EchoReply *echo_queue_pop_due(EchoQueue *q, usec_t now_usec) {
        EchoReply *r;

        assert(q);

        if (q->n == 0 || q->heap[0]->due > now_usec)
                return NULL;
        r = q->heap[0];
        heap_remove(q, r);
        return r;
}

usec_t echo_queue_next_due(const EchoQueue *q) {
        assert(q);
        return q->n > 0 ? q->heap[0]->due : USEC_INFINITY;
}

size_t echo_queue_size(const EchoQueue *q) {
        assert(q);
        return q->n;
}

int echo_queue_hold(EchoQueue *q, EchoReply *reply, EchoHold *h, unsigned gap, usec_t now_usec) {
        usec_t due;
        int r;

        assert(q);
        assert(reply);
        assert(h);

        if (h->reply)
                return -EBUSY;

        due = reply->due;
        reply->due = now_usec + ECHO_QUEUE_HOLD_USEC;
        r = echo_queue_push(q, reply);
        if (r < 0) {
                reply->due = due;
                return r;
        }
        reply->held = true;
        reply->release_after = h->sent + gap;
        h->reply = reply;
        return 0;
}

EchoReply *echo_queue_release(EchoQueue *q, EchoHold *h, const EchoReply *sent) {
        EchoReply *held;

        assert(q);
        assert(h);

        h->sent++;
        held = h->reply;
        if (!held)
                return NULL;
        if (held == sent) {
                h->reply = NULL;        /* its hold timed out: it leaves on its own */
                return NULL;
        }
        if (h->sent < held->release_after)
                return NULL;
        h->reply = NULL;
        heap_remove(q, held);
        return held;
}
