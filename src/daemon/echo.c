/* echo.c — the UDP echo data path: recvmmsg() a batch from a socket, decide each
 * datagram's fate (limits, rate limit, impairment model from impair.c), stamp netlab
 * probes in place, and send the immediate replies with one sendmmsg() (runs of replies
 * to one peer as UDP GSO messages). Replies that must wait (delay, reorder hold,
 * lab-compatibility text) are copied into a binary heap keyed by deadline; one sd-event
 * timer is armed for the earliest, and due replies go out in sendmmsg() batches from its
 * callback. Runs entirely inside the daemon's event loop. */
#include <assert.h>
#include <math.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "echo.h"
#include "impair.h"
#include "log.h"
#include "probe.h"
#include "rng.h"

#define ECHO_FDS_MAX 16
#define ECHO_BATCH 32                   /* datagrams per recvmmsg() */
#define ECHO_ROUNDS_MAX 8               /* recvmmsg() rounds per wakeup: HTTP gets its turn */
#define ECHO_TX_MAX (4 * ECHO_BATCH)    /* each datagram: 2 copies + a released held reply (2) */
/* Larger than any IPv4 UDP payload (65507), so MSG_TRUNC only happens for IPv6 datagrams
 * beyond 64 KiB. The batch's 2 MiB of slots is allocated once and only the pages that
 * large datagrams touch become resident. */
#define ECHO_SLOT_SIZE 65536
#define ECHO_CMSG_SIZE 64               /* CMSG_SPACE(struct timespec) = 32, with room */
/* Bytes of queued reply payload held at once, whatever max_queue says: 65536 queued
 * 64 KiB datagrams would otherwise be 4 GiB. Overflow counts as dropped_queue_full. */
#define ECHO_QUEUE_BYTES_MAX (64u * 1024 * 1024)
/* A reply held back for reordering goes out once reorder_gap later replies of its flow
 * have overtaken it, or after this long if the flow goes quiet. */
#define ECHO_REORDER_HOLD_USEC (200 * USEC_PER_MSEC)
/* Flow entries idle for this long are recycled before the table is full. */
#define ECHO_FLOW_IDLE_USEC (600 * USEC_PER_SEC)
/* A full table recycles an entry that saw one datagram among this many least recently
 * used ones before it recycles a flow that is in use. */
#define ECHO_EVICT_SCAN 8
/* lab_compat replies are larger than their requests, so they are always rate-limited:
 * by rate_limit/rate_burst, or by these when rate_limit = 0. */
#define ECHO_LAB_RATE 100.0
#define ECHO_LAB_BURST 20
/* The delay timer fires up to this much after the earliest deadline (never before it),
 * so one wakeup and one sendmmsg() carry every reply due in that window instead of one
 * wakeup per reply: at most 1/20 of the configured delay + jitter, and 250 us. */
#define ECHO_TIMER_SLACK_MAX_USEC 250
#define ECHO_LAB_PREFIX_MAX 24          /* "18446744073709551615 " */
/* Votes the busiest port of a source address can bank: once it stops, another port takes
 * over as the busiest within this many of the address's datagrams. */
#define ECHO_HEAVY_VOTES_MAX 1024

/* UDP GSO (UDP_SEGMENT, Linux >= 4.18) for runs of equal-sized replies to one peer:
 * at most 64 segments (the kernel's limit before 6.x), one IP datagram's worth of bytes,
 * and segments that fit the IPv6 minimum MTU, so no path needs fragmentation. */
#define ECHO_GSO_SEGMENTS_MAX 64
#define ECHO_GSO_BYTES_MAX 65000
#define ECHO_GSO_SIZE_MAX 1232

#define FLOW_NONE UINT32_MAX

typedef enum FlowKind {
        FLOW_KIND_PROBE = 1,            /* address + port + probe session id */
        FLOW_KIND_PLAIN,                /* address + port: non-probe datagrams */
        FLOW_KIND_SOURCE,               /* address only: the rate-limit token bucket */
} FlowKind;

/* Compared and hashed as raw bytes, so every byte (padding included) is set. */
typedef struct FlowKey {
        uint8_t addr[16];               /* IPv6, or IPv4 as ::ffff:a.b.c.d */
        uint64_t session;
        uint16_t port;                  /* network order; 0 for FLOW_KIND_SOURCE */
        uint8_t kind;
        uint8_t pad[5];
} FlowKey;

typedef struct QueuedReply QueuedReply;

typedef struct Flow {
        FlowKey key;
        uint32_t hnext;                 /* hash chain: index + 1, 0 ends */
        uint32_t lru_prev, lru_next;    /* FLOW_NONE ends */
        uint32_t gen;                   /* bumped on reuse: stale QueuedReply refs see it */
        uint64_t received;              /* reported in probe replies */
        uint64_t dropped;
        uint64_t sent;                  /* replies sent: releases a held reply */
        usec_t last_usec;
        ImpairLossState loss;
        /* FLOW_KIND_SOURCE only: the address's token bucket; its busiest port (a
         * one-counter majority vote); a second bucket for its other ports */
        ImpairBucket bucket;
        ImpairBucket reserve;
        uint16_t heavy_port;
        uint16_t heavy_votes;
        QueuedReply *held;              /* reply held back for reordering, or NULL */
} Flow;

typedef struct EchoSocket {
        Echo *echo;
        int fd;
        uint16_t port;                  /* local port, network order */
        bool gso;                       /* UDP_SEGMENT works here (until it fails once) */
        sd_event_source *source;
} EchoSocket;

typedef union SockAddr {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
} SockAddr;

struct QueuedReply {
        usec_t due;                     /* CLOCK_MONOTONIC */
        uint64_t order;                 /* FIFO among equal deadlines */
        uint32_t heap_idx;
        uint32_t flow_idx;              /* FLOW_NONE: no flow */
        uint32_t flow_gen;
        uint64_t release_after;         /* held: released when the flow's sent count reaches it */
        uint8_t sock;
        uint8_t copies;
        bool reorder;                   /* hold back when due */
        bool held;                      /* currently held back */
        bool probe;                     /* restamp server_tx when it leaves */
        SockAddr peer;
        socklen_t peer_len;
        size_t len;
        uint8_t data[];
};

typedef union GsoCmsg {
        struct cmsghdr align;
        uint8_t buf[CMSG_SPACE(sizeof(uint16_t))];
} GsoCmsg;

typedef union CmsgBuf {
        struct cmsghdr align;
        uint8_t buf[ECHO_CMSG_SIZE];
} CmsgBuf;

struct Echo {
        sd_event *event;
        Conf *conf;
        const ConfEcho *ce;             /* &conf->echo */
        bool noop;                      /* impair_is_noop(): fast path */
        double rate;                    /* effective per-source rate, 0 = off */
        unsigned burst;
        uint64_t seed;                  /* seed in use (from the config, or random) */
        bool seed_fixed;
        Rng rng;
        bool stopping;

        EchoSocket socks[ECHO_FDS_MAX];
        size_t n_socks;

        /* receive batch */
        uint8_t *slots;                 /* ECHO_BATCH * ECHO_SLOT_SIZE */
        struct mmsghdr rx[ECHO_BATCH];
        struct iovec rx_iov[ECHO_BATCH];
        SockAddr rx_peer[ECHO_BATCH];
        CmsgBuf rx_cmsg[ECHO_BATCH];

        /* send batch: all entries go to tx_sock */
        struct mmsghdr tx[ECHO_TX_MAX];
        struct iovec tx_iov[ECHO_TX_MAX];
        QueuedReply *tx_free[ECHO_TX_MAX];      /* nodes to free once sent */
        struct mmsghdr gso[ECHO_TX_MAX];        /* tx[] grouped into UDP GSO messages */
        GsoCmsg gso_cmsg[ECHO_TX_MAX];
        size_t gso_first[ECHO_TX_MAX], gso_n[ECHO_TX_MAX];
        size_t n_tx;
        size_t tx_sock;
        usec_t now_rt;                  /* CLOCK_REALTIME of the current batch */

        /* flow table: open hashing over an array that grows by doubling up to max_flows */
        Flow *flows;
        uint32_t n_alloc, n_used, n_live;
        uint32_t *heads;                /* index + 1, 0 = empty; size mask + 1 */
        uint32_t mask;
        uint32_t lru_head, lru_tail;    /* head = most recently used */
        uint32_t free_head;             /* chained through hnext (index + 1) */
        uint64_t hash_key[4];

        /* delay queue: binary min-heap on (due, order) */
        QueuedReply **heap;
        size_t n_heap, heap_alloc;
        size_t queue_bytes;
        uint64_t order;
        sd_event_source *timer;
        usec_t timer_armed;             /* USEC_INFINITY: disarmed */
        usec_t timer_slack;

        EchoCounters counters;
};

/* ---- flow table ----------------------------------------------------------------- */

static inline uint64_t mum(uint64_t a, uint64_t b) {
        unsigned __int128 r = (unsigned __int128) a * b;

        return (uint64_t) r ^ (uint64_t) (r >> 64);
}

/* Keyed hash of the 32-byte key (wyhash-style multiply-mix). The key is random per
 * process, so a client cannot aim its session ids at one chain. */
static uint32_t flow_hash(const Echo *e, const FlowKey *k) {
        uint64_t w[4];

        static_assert(sizeof(FlowKey) == 32, "FlowKey must be 32 bytes");
        memcpy(w, k, sizeof(w));
        return (uint32_t) mum(mum(w[0] ^ e->hash_key[0], w[1] ^ e->hash_key[1]) ^ e->hash_key[2],
                              mum(w[2] ^ e->hash_key[3], w[3] ^ e->hash_key[0]) ^ 0x9e3779b97f4a7c15ULL);
}

static void lru_unlink(Echo *e, uint32_t i) {
        Flow *f = &e->flows[i];

        if (f->lru_prev != FLOW_NONE)
                e->flows[f->lru_prev].lru_next = f->lru_next;
        else
                e->lru_head = f->lru_next;
        if (f->lru_next != FLOW_NONE)
                e->flows[f->lru_next].lru_prev = f->lru_prev;
        else
                e->lru_tail = f->lru_prev;
}

static void lru_push_head(Echo *e, uint32_t i) {
        Flow *f = &e->flows[i];

        f->lru_prev = FLOW_NONE;
        f->lru_next = e->lru_head;
        if (e->lru_head != FLOW_NONE)
                e->flows[e->lru_head].lru_prev = i;
        e->lru_head = i;
        if (e->lru_tail == FLOW_NONE)
                e->lru_tail = i;
}

static void hash_link(Echo *e, uint32_t i) {
        uint32_t h = flow_hash(e, &e->flows[i].key) & e->mask;

        e->flows[i].hnext = e->heads[h];
        e->heads[h] = i + 1;
}

static void hash_unlink(Echo *e, uint32_t i) {
        uint32_t *p = &e->heads[flow_hash(e, &e->flows[i].key) & e->mask];

        while (*p != 0 && *p != i + 1)
                p = &e->flows[*p - 1].hnext;
        assert(*p == i + 1);
        *p = e->flows[i].hnext;
}

/* Resizes the bucket array to the next power of two >= @n_buckets and rehashes the live
 * flows. Returns 0 or -ENOMEM (the old table stays). */
static int flow_rehash(Echo *e, uint32_t n_buckets) {
        uint32_t size = 64, *heads;

        while (size < n_buckets)
                size <<= 1;
        heads = calloc(size, sizeof(uint32_t));
        if (!heads)
                return -ENOMEM;
        free(e->heads);
        e->heads = heads;
        e->mask = size - 1;
        for (uint32_t i = e->lru_head; i != FLOW_NONE; i = e->flows[i].lru_next)
                hash_link(e, i);
        return 0;
}

static void flow_evict(Echo *e, uint32_t i) {
        Flow *f = &e->flows[i];

        hash_unlink(e, i);
        lru_unlink(e, i);
        if (f->held)
                f->held->flow_idx = FLOW_NONE;  /* it still leaves on its hold timeout */
        f->held = NULL;
        f->gen++;
        f->hnext = e->free_head;
        e->free_head = i + 1;
        e->n_live--;
}

/* The flow to recycle when the table is full: the least recently used one, unless one of
 * the few next to it has seen a single datagram. A flood of one-off session ids or source
 * ports then recycles its own entries, not the flows of clients that keep measuring at
 * one probe a second (the probation segment of SLRU and 2Q caches, in its simplest form). */
static uint32_t flow_victim(const Echo *e) {
        uint32_t i = e->lru_tail;

        for (unsigned n = 0; i != FLOW_NONE && n < ECHO_EVICT_SCAN; n++, i = e->flows[i].lru_prev)
                if (e->flows[i].key.kind != FLOW_KIND_SOURCE && e->flows[i].received <= 1)
                        return i;
        return e->lru_tail;
}

/* Returns the index of a free entry: a recycled idle one, or one chosen by flow_victim()
 * when the table is at max_flows, otherwise a free or new one. FLOW_NONE on OOM. */
static uint32_t flow_alloc(Echo *e, usec_t now_usec) {
        uint32_t i;

        if (e->lru_tail != FLOW_NONE) {
                if (now_usec - e->flows[e->lru_tail].last_usec > ECHO_FLOW_IDLE_USEC)
                        flow_evict(e, e->lru_tail);
                else if (e->n_live >= e->ce->max_flows)
                        flow_evict(e, flow_victim(e));
        }

        if (e->free_head != 0) {
                i = e->free_head - 1;
                e->free_head = e->flows[i].hnext;
                return i;
        }

        if (e->n_used == e->n_alloc) {
                uint32_t n = MAX(e->n_alloc * 2, 64u);
                Flow *flows;

                n = MIN(n, MAX(e->ce->max_flows, e->n_alloc + 1));
                flows = reallocarray(e->flows, n, sizeof(Flow));
                if (!flows)
                        return FLOW_NONE;
                e->flows = flows;
                e->n_alloc = n;
                if (n > e->mask + 1 && flow_rehash(e, n) < 0)
                        return FLOW_NONE;
        }
        i = e->n_used++;
        e->flows[i].gen = 0;
        return i;
}

/* Finds the flow of @k, creating it if @create; moves it to the LRU head. Returns its
 * index (valid until the next flow_get(): entries may be recycled and the array may
 * move), or FLOW_NONE (not found, or OOM). */
static uint32_t flow_get(Echo *e, const FlowKey *k, usec_t now_usec, bool create) {
        uint32_t i, gen;

        for (uint32_t j = e->heads[flow_hash(e, k) & e->mask]; j != 0; j = e->flows[j - 1].hnext) {
                i = j - 1;
                if (memcmp(&e->flows[i].key, k, sizeof(*k)) != 0)
                        continue;
                if (e->lru_head != i) {
                        lru_unlink(e, i);
                        lru_push_head(e, i);
                }
                e->flows[i].last_usec = now_usec;
                return i;
        }

        if (!create)
                return FLOW_NONE;
        i = flow_alloc(e, now_usec);
        if (i == FLOW_NONE)
                return FLOW_NONE;
        gen = e->flows[i].gen;
        e->flows[i] = (Flow) {
                .key = *k,
                .gen = gen,
                .last_usec = now_usec,
        };
        hash_link(e, i);
        lru_push_head(e, i);
        e->n_live++;
        return i;
}

static Flow *flow_from_ref(Echo *e, uint32_t idx, uint32_t gen) {
        if (idx == FLOW_NONE || idx >= e->n_used || e->flows[idx].gen != gen)
                return NULL;
        return &e->flows[idx];
}

/* ---- delay queue (binary heap) ---------------------------------------------------- */

static inline bool reply_before(const QueuedReply *a, const QueuedReply *b) {
        return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static void heap_set(Echo *e, size_t i, QueuedReply *q) {
        e->heap[i] = q;
        q->heap_idx = (uint32_t) i;
}

static void heap_sift_up(Echo *e, size_t i) {
        QueuedReply *q = e->heap[i];

        while (i > 0) {
                size_t parent = (i - 1) / 2;

                if (!reply_before(q, e->heap[parent]))
                        break;
                heap_set(e, i, e->heap[parent]);
                i = parent;
        }
        heap_set(e, i, q);
}

static void heap_sift_down(Echo *e, size_t i) {
        QueuedReply *q = e->heap[i];

        for (;;) {
                size_t c = 2 * i + 1;

                if (c >= e->n_heap)
                        break;
                if (c + 1 < e->n_heap && reply_before(e->heap[c + 1], e->heap[c]))
                        c++;
                if (!reply_before(e->heap[c], q))
                        break;
                heap_set(e, i, e->heap[c]);
                i = c;
        }
        heap_set(e, i, q);
}

static int heap_push(Echo *e, QueuedReply *q) {
        if (e->n_heap == e->heap_alloc) {
                size_t n = MAX(e->heap_alloc * 2, (size_t) 64);
                QueuedReply **h = reallocarray(e->heap, n, sizeof(QueuedReply *));

                if (!h)
                        return -ENOMEM;
                e->heap = h;
                e->heap_alloc = n;
        }
        q->order = e->order++;
        e->heap[e->n_heap++] = q;
        heap_sift_up(e, e->n_heap - 1);
        return 0;
}

static void heap_remove(Echo *e, QueuedReply *q) {
        size_t i = q->heap_idx;

        assert(i < e->n_heap && e->heap[i] == q);
        e->n_heap--;
        if (i == e->n_heap)
                return;
        heap_set(e, i, e->heap[e->n_heap]);
        if (i > 0 && reply_before(e->heap[i], e->heap[(i - 1) / 2]))
                heap_sift_up(e, i);
        else
                heap_sift_down(e, i);
}

static void reply_free(Echo *e, QueuedReply *q) {
        e->queue_bytes -= q->len;
        free(q);
}

/* One timer for the earliest deadline. Any time in [due, due + slack] will do, so
 * sd-event (and the timerfd under it) is only touched when the armed time falls outside
 * that window. An armed timer is left alone when the queue empties: one spurious
 * wakeup later is cheaper than disarming and re-arming the timerfd around every burst. */
static void queue_rearm(Echo *e) {
        usec_t lo, hi;

        if (e->n_heap == 0)
                return;
        lo = e->heap[0]->due;
        hi = lo + e->timer_slack;
        if (e->timer_armed != USEC_INFINITY && e->timer_armed >= lo && e->timer_armed <= hi)
                return;
        (void) sd_event_source_set_time(e->timer, hi);
        (void) sd_event_source_set_enabled(e->timer, SD_EVENT_ONESHOT);
        e->timer_armed = hi;
}

/* ---- sending ------------------------------------------------------------------------ */

/* Sends tx[from..to) with sendmmsg(), one datagram per message. A full socket buffer
 * (EAGAIN, ENOBUFS) drops the rest and counts it: a UDP echo never waits for buffer
 * space and never spins. Other errors (unreachable, EPERM from a firewall) lose only
 * that one datagram. */
static void tx_send_plain(Echo *e, int fd, size_t from, size_t to) {
        size_t i = from;

        while (i < to) {
                int r = sendmmsg(fd, e->tx + i, (unsigned) (to - i), MSG_DONTWAIT);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                                e->counters.send_errors += to - i;
                                break;
                        }
                        e->counters.send_errors++;
                        i++;
                        continue;
                }
                for (int k = 0; k < r; k++)
                        e->counters.bytes_out += e->tx_iov[i + (size_t) k].iov_len;
                e->counters.replied += (uint64_t) r;
                i += (size_t) r;
        }
}

static bool tx_same_peer(const struct msghdr *a, const struct msghdr *b) {
        return a->msg_namelen == b->msg_namelen && memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* Groups runs of replies to the same peer with the same length into one UDP GSO message
 * each (UDP_SEGMENT): the kernel then routes and builds one large packet and splits it
 * into the individual datagrams at the end, instead of walking the whole output path
 * once per datagram. A flooding client gets most of its replies this way; the datagrams
 * on the wire are identical. Returns the number of messages in e->gso[]. */
static size_t tx_build_gso(Echo *e) {
        size_t k = 0;

        for (size_t i = 0; i < e->n_tx;) {
                size_t len = e->tx_iov[i].iov_len, j = i + 1;

                if (len > 0 && len <= ECHO_GSO_SIZE_MAX)
                        while (j < e->n_tx && j - i < ECHO_GSO_SEGMENTS_MAX && e->tx_iov[j].iov_len == len &&
                               (j - i + 1) * len <= ECHO_GSO_BYTES_MAX &&
                               tx_same_peer(&e->tx[i].msg_hdr, &e->tx[j].msg_hdr))
                                j++;

                e->gso[k].msg_hdr = (struct msghdr) {
                        .msg_name = e->tx[i].msg_hdr.msg_name,
                        .msg_namelen = e->tx[i].msg_hdr.msg_namelen,
                        .msg_iov = &e->tx_iov[i],
                        .msg_iovlen = j - i,
                };
                if (j - i > 1) {
                        struct cmsghdr *c;
                        uint16_t segment = (uint16_t) len;

                        e->gso[k].msg_hdr.msg_control = &e->gso_cmsg[k];
                        e->gso[k].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
                        c = CMSG_FIRSTHDR(&e->gso[k].msg_hdr);
                        c->cmsg_level = SOL_UDP;
                        c->cmsg_type = UDP_SEGMENT;
                        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                        memcpy(CMSG_DATA(c), &segment, sizeof(segment));
                }
                e->gso_first[k] = i;
                e->gso_n[k] = j - i;
                k++;
                i = j;
        }
        return k;
}

/* Sends the k GSO messages. A kernel or route that cannot segment (EIO without checksum
 * offload, EINVAL for an old kernel or a small path MTU, EMSGSIZE) turns GSO off for the
 * socket and the rest of the batch goes out one datagram per message, so a failure that
 * only GSO causes never loses replies twice. */
static void tx_send_gso(Echo *e, EchoSocket *s, size_t k) {
        size_t i = 0;

        while (i < k) {
                int r = sendmmsg(s->fd, e->gso + i, (unsigned) (k - i), MSG_DONTWAIT);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                                e->counters.send_errors += e->n_tx - e->gso_first[i];
                                return;
                        }
                        if (e->gso_n[i] > 1 && (errno == EIO || errno == EINVAL || errno == EMSGSIZE ||
                                                errno == EOPNOTSUPP || errno == ENOPROTOOPT)) {
                                log_debug_errno(errno, "UDP GSO not usable on the echo socket, sending "
                                                "datagrams one by one: %m");
                                s->gso = false;
                                tx_send_plain(e, s->fd, e->gso_first[i], e->n_tx);
                                return;
                        }
                        e->counters.send_errors += e->gso_n[i];
                        i++;
                        continue;
                }
                for (size_t m = i; m < i + (size_t) r; m++) {
                        e->counters.replied += e->gso_n[m];
                        e->counters.bytes_out += e->gso_n[m] * e->tx_iov[e->gso_first[m]].iov_len;
                }
                i += (size_t) r;
        }
}

static void tx_flush(Echo *e) {
        EchoSocket *s = &e->socks[e->tx_sock];
        size_t k;

        if (s->gso && e->n_tx > 1 && (k = tx_build_gso(e)) < e->n_tx)
                tx_send_gso(e, s, k);
        else
                tx_send_plain(e, s->fd, 0, e->n_tx);

        for (size_t j = 0; j < e->n_tx; j++)
                if (e->tx_free[j])
                        reply_free(e, e->tx_free[j]);
        e->n_tx = 0;
}

static void tx_add(Echo *e, size_t sock, void *data, size_t len, SockAddr *peer, socklen_t peer_len,
                   QueuedReply *free_after) {
        size_t k;

        if (e->n_tx > 0 && (e->tx_sock != sock || e->n_tx == ECHO_TX_MAX))
                tx_flush(e);
        e->tx_sock = sock;
        k = e->n_tx++;
        e->tx_iov[k] = (struct iovec) { .iov_base = data, .iov_len = len };
        e->tx[k].msg_hdr = (struct msghdr) {
                .msg_name = peer,
                .msg_namelen = peer_len,
                .msg_iov = &e->tx_iov[k],
                .msg_iovlen = 1,
        };
        e->tx_free[k] = free_after;
}

static void tx_add_node(Echo *e, QueuedReply *q) {
        if (q->probe)
                probe_restamp_tx(q->data, q->len, e->now_rt);
        for (unsigned c = 1; c < q->copies; c++)
                tx_add(e, q->sock, q->data, q->len, &q->peer, q->peer_len, NULL);
        tx_add(e, q->sock, q->data, q->len, &q->peer, q->peer_len, q);
}

/* A reply of @f is going out: count it, and let a held reply of the same flow go once
 * enough later replies have overtaken it. */
static void flow_sent(Echo *e, Flow *f) {
        QueuedReply *h;

        if (!f)
                return;
        f->sent++;
        h = f->held;
        if (!h || f->sent < h->release_after)
                return;
        f->held = NULL;
        heap_remove(e, h);
        tx_add_node(e, h);
}

/* Sends every queued reply due by @now_usec; holds back the ones marked for reordering. */
static void queue_release(Echo *e, usec_t now_usec) {
        while (e->n_heap > 0 && e->heap[0]->due <= now_usec) {
                QueuedReply *q = e->heap[0];
                Flow *f = flow_from_ref(e, q->flow_idx, q->flow_gen);

                heap_remove(e, q);

                if (q->reorder && !q->held && f && !f->held) {
                        q->held = true;
                        q->release_after = f->sent + e->ce->reorder_gap;
                        q->due = now_usec + ECHO_REORDER_HOLD_USEC;
                        if (heap_push(e, q) >= 0) {
                                f->held = q;
                                e->counters.reordered++;
                                continue;
                        }
                }
                if (q->held && f && f->held == q)
                        f->held = NULL;

                tx_add_node(e, q);
                flow_sent(e, f);
        }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Echo *e = userdata;

        e->timer_armed = USEC_INFINITY;         /* ONESHOT: it is off now */
        e->now_rt = now(CLOCK_REALTIME);
        queue_release(e, now(CLOCK_MONOTONIC));
        if (e->n_tx > 0)
                tx_flush(e);
        queue_rearm(e);
        return 0;
}

/* ---- receiving ---------------------------------------------------------------------- */

static usec_t rx_kernel_stamp(struct msghdr *m, usec_t fallback) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
                    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
                        struct timespec ts;

                        memcpy(&ts, CMSG_DATA(c), sizeof(ts));
                        return timespec_load(&ts);
                }
        return fallback;
}

/* Fills the address part of @k from @peer and returns the port (network order). IPv4
 * peers are keyed as v4-mapped IPv6 so a v4 client is one source on v4 and dual-stack
 * sockets alike. */
static uint16_t key_from_peer(const SockAddr *peer, FlowKey *k) {
        if (peer->sa.sa_family == AF_INET) {
                k->addr[10] = k->addr[11] = 0xff;
                memcpy(k->addr + 12, &peer->in.sin_addr, 4);
                return peer->in.sin_port;
        }
        memcpy(k->addr, &peer->in6.sin6_addr, 16);
        return peer->in6.sin6_port;
}

/* Copies a reply into a queue node, or returns NULL (counted) when the queue is full. */
static QueuedReply *reply_new(Echo *e, size_t sock, const void *prefix, size_t prefix_len, const void *data,
                              size_t len, const SockAddr *peer, socklen_t peer_len) {
        QueuedReply *q;

        if (e->n_heap >= e->ce->max_queue || e->queue_bytes + prefix_len + len > ECHO_QUEUE_BYTES_MAX)
                return NULL;
        q = malloc(offsetof(QueuedReply, data) + prefix_len + len);
        if (!q)
                return NULL;
        *q = (QueuedReply) {
                .flow_idx = FLOW_NONE,
                .sock = (uint8_t) sock,
                .copies = 1,
                .peer = *peer,
                .peer_len = peer_len,
                .len = prefix_len + len,
        };
        if (prefix_len > 0)
                memcpy(q->data, prefix, prefix_len);
        memcpy(q->data + prefix_len, data, len);
        e->queue_bytes += q->len;
        return q;
}

/* The per-source-address rate limit. The address's bucket bounds what it gets; when one
 * of its ports floods, it drains that bucket, and the address's other ports (another
 * client on the same host, or behind the same NAT) would get nothing. So the port that
 * sends most of the address's datagrams (Boyer-Moore majority vote: no per-port state, so
 * a client cycling through source ports cannot grow the flow table) uses only the main
 * bucket, and the other ports fall back on a second bucket of the same size. An address
 * gets at most twice rate_limit in total, a single flooding port at most rate_limit. */
static bool source_allow(Echo *e, Flow *src, uint16_t port, usec_t now_usec) {
        if (src->heavy_votes == 0 || src->heavy_port == port) {
                src->heavy_port = port;
                src->heavy_votes = MIN(src->heavy_votes + 1, ECHO_HEAVY_VOTES_MAX);
        } else
                src->heavy_votes--;

        if (impair_bucket_take(&src->bucket, e->rate, e->burst, now_usec))
                return true;
        return port != src->heavy_port && impair_bucket_take(&src->reserve, e->rate, e->burst, now_usec);
}

static void echo_handle(Echo *e, size_t sock, size_t i, usec_t now_mono) {
        struct msghdr *m = &e->rx[i].msg_hdr;
        uint8_t *buf = e->rx_iov[i].iov_base;
        size_t len = e->rx[i].msg_len;
        SockAddr *peer = &e->rx_peer[i];
        const ConfEcho *c = e->ce;
        FlowKey key = {};
        ImpairDecision d = { .copies = 1 };
        uint32_t fi = FLOW_NONE;
        uint16_t port;
        Flow *f = NULL;
        bool is_probe = false, allowed = true, lab;
        char prefix[ECHO_LAB_PREFIX_MAX];
        size_t prefix_len = 0;
        Probe p;

        e->counters.received++;
        e->counters.bytes_in += len;

        if (m->msg_flags & MSG_TRUNC) {
                e->counters.truncated++;
                return;
        }
        if (len > c->max_payload) {
                e->counters.dropped_too_big++;
                return;
        }
        if (!(peer->sa.sa_family == AF_INET && m->msg_namelen >= sizeof(struct sockaddr_in)) &&
            !(peer->sa.sa_family == AF_INET6 && m->msg_namelen >= sizeof(struct sockaddr_in6)))
                return;                 /* cannot happen on an INET socket; never reply blind */

        port = key_from_peer(peer, &key);
        /* RFC 862 servers have long been abused to bounce traffic between well-known
         * services (echo <-> chargen). Port 0 cannot be answered at all. */
        if (port == 0 || (!c->allow_low_ports && ntohs(port) < 1024)) {
                e->counters.dropped_low_port++;
                return;
        }
        /* Our own port as the source: our own socket (a reply would come straight back)
         * or another echo server on the same port (an endless echo loop). */
        if (port == e->socks[sock].port) {
                e->counters.dropped_self++;
                return;
        }

        if (len >= PROBE_HEADER_SIZE && probe_decode(buf, len, &p) >= 0) {
                /* A probe that already is a reply was sent by an echo server, not by a
                 * client: answering it would start a loop between two netlabds. */
                if (p.flags & PROBE_FLAG_REPLY) {
                        e->counters.dropped_self++;
                        return;
                }
                is_probe = true;
                e->counters.probes++;
        }

        /* The per-source token bucket comes first, so a source over its rate cannot
         * churn the flow table with new session ids: its flow is only looked up. */
        if (e->rate > 0) {
                FlowKey sk = { .kind = FLOW_KIND_SOURCE };
                uint32_t si;

                memcpy(sk.addr, key.addr, sizeof(sk.addr));
                si = flow_get(e, &sk, now_mono, true);
                allowed = si == FLOW_NONE || source_allow(e, &e->flows[si], port, now_mono);
        }

        /* The counters query (doc/protocol.md, "Final counters", issue 17): answered
         * at once and never impaired, not counted in its flow, and no flow is
         * created for it, so the client's loss split covers its last probes. The
         * per-source rate limit still applies: it is a datagram like any other. */
        if (is_probe && (p.flags & PROBE_FLAG_COUNTERS) && len >= PROBE_COUNTERS_SIZE) {
                FlowKey qk = key;
                ImpairSummary is = {};
                uint32_t qi;

                if (!allowed) {
                        e->counters.dropped_rate_limit++;
                        return;
                }
                qk.port = port;
                qk.kind = FLOW_KIND_PROBE;
                qk.session = p.session_id;
                qi = flow_get(e, &qk, now_mono, /* create= */ false);
                const Flow *qf = qi != FLOW_NONE ? &e->flows[qi] : NULL;
                impair_describe(c, &is);
                probe_stamp_counters(buf, len, isfinite(is.mean_burst) && is.mean_burst < 4e6 ?
                                               (uint32_t) (is.mean_burst * 1000 + 0.5) : 0);
                probe_stamp_reply(buf, len, rx_kernel_stamp(m, e->now_rt), e->now_rt,
                                  qf ? qf->received : 0, qf ? qf->dropped : 0);
                tx_add(e, sock, buf, len, peer, m->msg_namelen, NULL);
                return;
        }

        /* Per-flow state exists for probes (their counters go into the reply) and, when
         * an impairment is on, for plain datagrams (Gilbert-Elliott state, reordering). */
        if (is_probe || !e->noop) {
                key.port = port;
                key.kind = is_probe ? FLOW_KIND_PROBE : FLOW_KIND_PLAIN;
                key.session = is_probe ? p.session_id : 0;
                fi = flow_get(e, &key, now_mono, allowed);
                if (fi != FLOW_NONE) {
                        f = &e->flows[fi];
                        f->received++;
                }
        }

        if (!allowed) {
                e->counters.dropped_rate_limit++;
                if (f)
                        f->dropped++;
                return;
        }

        if (!e->noop) {
                ImpairLossState scratch = {};

                impair_decide(c, &e->rng, f ? &f->loss : &scratch, &d);
                if (d.drop) {
                        e->counters.dropped_loss++;
                        if (f)
                                f->dropped++;
                        return;
                }
        }

        if (is_probe)
                probe_stamp_reply(buf, len, rx_kernel_stamp(m, e->now_rt), e->now_rt, f ? f->received : 0,
                                  f ? f->dropped : 0);

        lab = c->lab_compat && !is_probe;
        if (lab) {
                /* The lab server's reply: its clock in ms, a space, the request. Never
                 * longer than max_payload. */
                int n = snprintf(prefix, sizeof(prefix), "%" PRIu64 " ", e->now_rt / USEC_PER_MSEC);

                prefix_len = (size_t) MAX(n, 0);
                if (prefix_len + len > c->max_payload)
                        len = c->max_payload > prefix_len ? c->max_payload - prefix_len : 0;
        }

        /* Only one reply per flow is held back at a time; with no delay it is held
         * right here, so the rest of this batch already counts as overtaking it. */
        if (d.reorder && d.delay_usec == 0 && (!f || f->held))
                d.reorder = false;

        if (d.delay_usec == 0 && !d.reorder && !lab) {
                /* Fast path: answer from the receive buffer. */
                for (unsigned k = 0; k < d.copies; k++)
                        tx_add(e, sock, buf, len, peer, m->msg_namelen, NULL);
                if (d.copies > 1)
                        e->counters.duplicated++;
                flow_sent(e, f);
                return;
        }

        QueuedReply *q = reply_new(e, sock, prefix, prefix_len, buf, len, peer, m->msg_namelen);
        if (!q) {
                e->counters.dropped_queue_full++;
                if (f)
                        f->dropped++;
                return;
        }
        q->due = now_mono + d.delay_usec;
        q->copies = (uint8_t) d.copies;
        q->reorder = d.reorder;
        q->probe = is_probe;
        if (f) {
                q->flow_idx = fi;
                q->flow_gen = f->gen;
        }
        if (d.reorder && d.delay_usec == 0) {
                q->held = true;
                q->release_after = f->sent + c->reorder_gap;
                q->due = now_mono + ECHO_REORDER_HOLD_USEC;
        }
        if (heap_push(e, q) < 0) {
                reply_free(e, q);
                e->counters.dropped_queue_full++;
                return;
        }
        if (q->held) {
                f->held = q;
                e->counters.reordered++;
        }
        if (d.copies > 1)
                e->counters.duplicated++;
        if (d.delay_usec > 0)
                e->counters.delayed++;
}

static void rx_reset(Echo *e) {
        for (size_t i = 0; i < ECHO_BATCH; i++) {
                e->rx[i].msg_hdr.msg_namelen = sizeof(SockAddr);
                e->rx[i].msg_hdr.msg_controllen = sizeof(CmsgBuf);
                e->rx[i].msg_hdr.msg_flags = 0;
        }
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        EchoSocket *sock = userdata;
        Echo *e = sock->echo;
        size_t si = (size_t) (sock - e->socks);

        for (unsigned round = 0; round < ECHO_ROUNDS_MAX; round++) {
                usec_t now_mono;
                int n;

                n = recvmmsg(fd, e->rx, ECHO_BATCH, MSG_DONTWAIT, NULL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN && errno != EWOULDBLOCK)
                                log_debug_errno(errno, "Failed to receive datagrams, ignoring: %m");
                        break;
                }

                now_mono = now(CLOCK_MONOTONIC);
                e->now_rt = now(CLOCK_REALTIME);
                for (int i = 0; i < n; i++)
                        echo_handle(e, si, (size_t) i, now_mono);
                if (e->n_heap > 0 && e->heap[0]->due <= now_mono)
                        queue_release(e, now_mono);
                if (e->n_tx > 0)
                        tx_flush(e);
                rx_reset(e);
                if (n < ECHO_BATCH)
                        break;
        }

        queue_rearm(e);
        return 0;
}

/* ---- configuration and lifetime --------------------------------------------------- */

static void echo_set_conf(Echo *e, Conf *conf) {
        const ConfEcho *c = &conf->echo;
        char buf[512];

        if (e->conf != conf) {
                conf_unref(e->conf);
                e->conf = conf_ref(conf);
        }
        e->ce = c;
        e->noop = impair_is_noop(c);
        e->timer_slack = MIN((c->delay_usec + c->jitter_usec) / 20, (usec_t) ECHO_TIMER_SLACK_MAX_USEC);
        e->rate = c->rate_limit;
        e->burst = c->rate_burst;
        if (c->lab_compat && e->rate <= 0) {
                e->rate = ECHO_LAB_RATE;
                e->burst = ECHO_LAB_BURST;
        }

        /* A fixed seed replays the same decisions; reseed only when it changes, so a
         * reload that only touches other keys does not restart the sequence. */
        if (c->seed != 0 && (!e->seed_fixed || c->seed != e->seed)) {
                e->seed = c->seed;
                e->seed_fixed = true;
                rng_seed(&e->rng, e->seed);
        } else if (c->seed == 0 && (e->seed_fixed || e->seed == 0)) {
                if (getrandom(&e->seed, sizeof(e->seed), GRND_NONBLOCK) != sizeof(e->seed))
                        e->seed = now(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);
                e->seed_fixed = false;
                rng_seed(&e->rng, e->seed);
        }

        log_info("Echo impairment: %s", impair_format_summary(c, buf, sizeof(buf)));
}

static int echo_resize_flows(Echo *e) {
        while (e->n_live > e->ce->max_flows && e->lru_tail != FLOW_NONE)
                flow_evict(e, e->lru_tail);
        return 0;
}

int echo_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, Echo **ret) {
        _cleanup_(echo_freep) Echo *e = NULL;
        int r;

        assert(event);
        assert(conf);
        assert(fds || n_fds == 0);
        assert(ret);

        e = calloc(1, sizeof(Echo));
        if (!e) {
                for (size_t i = 0; i < n_fds; i++)
                        safe_close(fds[i]);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_fds; i++) {
                if (i >= ECHO_FDS_MAX) {
                        safe_close(fds[i]);     /* sockets.c never passes more */
                        continue;
                }
                e->socks[e->n_socks++] = (EchoSocket) { .echo = e, .fd = fds[i], .gso = true };
        }
        e->event = sd_event_ref(event);
        e->lru_head = e->lru_tail = FLOW_NONE;
        e->timer_armed = USEC_INFINITY;
        echo_set_conf(e, conf);

        if (getrandom(e->hash_key, sizeof(e->hash_key), GRND_NONBLOCK) != sizeof(e->hash_key))
                for (size_t i = 0; i < ELEMENTSOF(e->hash_key); i++)
                        e->hash_key[i] = rng_next(&e->rng) ^ now(CLOCK_MONOTONIC);
        r = flow_rehash(e, 64);
        if (r < 0)
                return r;

        e->slots = malloc((size_t) ECHO_BATCH * ECHO_SLOT_SIZE);
        if (!e->slots)
                return -ENOMEM;
        for (size_t i = 0; i < ECHO_BATCH; i++) {
                e->rx_iov[i] = (struct iovec) {
                        .iov_base = e->slots + i * ECHO_SLOT_SIZE,
                        .iov_len = ECHO_SLOT_SIZE,
                };
                e->rx[i].msg_hdr = (struct msghdr) {
                        .msg_name = &e->rx_peer[i],
                        .msg_iov = &e->rx_iov[i],
                        .msg_iovlen = 1,
                        .msg_control = &e->rx_cmsg[i],
                };
        }
        rx_reset(e);

        for (size_t i = 0; i < e->n_socks; i++) {
                EchoSocket *s = &e->socks[i];
                SockAddr local = {};
                socklen_t local_len = sizeof(local);
                int one = 1;

                if (getsockname(s->fd, &local.sa, &local_len) < 0)
                        return -errno;
                s->port = local.sa.sa_family == AF_INET ? local.in.sin_port : local.in6.sin6_port;

                /* Kernel receive stamps: the probe's server_rx is when the datagram
                 * arrived, not when the loop got to it. Without them, the batch time. */
                if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
                        log_debug_errno(errno, "Failed to enable SO_TIMESTAMPNS, ignoring: %m");

                r = sd_event_add_io(event, &s->source, s->fd, EPOLLIN, on_readable, s);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(s->source, "echo-socket");
        }

        r = sd_event_add_time(event, &e->timer, CLOCK_MONOTONIC, 0, 1, on_timer, e);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(e->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(e->timer, "echo-delay-queue");

        *ret = TAKE_PTR(e);
        return 0;
}

int echo_apply_conf(Echo *e, Conf *conf) {
        assert(e);
        assert(conf);

        echo_set_conf(e, conf);
        return echo_resize_flows(e);
}

void echo_stop(Echo *e) {
        assert(e);

        e->stopping = true;
        for (size_t i = 0; i < e->n_socks; i++)
                (void) sd_event_source_set_enabled(e->socks[i].source, SD_EVENT_OFF);
}

bool echo_is_idle(const Echo *e) {
        assert(e);
        return e->n_heap == 0;
}

const EchoCounters *echo_get_counters(const Echo *e) {
        assert(e);
        return &e->counters;
}

size_t echo_queue_length(const Echo *e) {
        assert(e);
        return e->n_heap;
}

size_t echo_n_flows(const Echo *e) {
        assert(e);
        return e->n_live;
}

char *echo_format_summary(const Echo *e, char *buf, size_t len) {
        const EchoCounters *c;

        assert(e);
        assert(buf || len == 0);

        if (len == 0)
                return buf;
        c = &e->counters;
        (void) snprintf(buf, len,
                        "received %" PRIu64 " (%" PRIu64 " probes), replied %" PRIu64 ", dropped: loss %" PRIu64
                        ", rate limit %" PRIu64 ", low port %" PRIu64 ", self %" PRIu64 ", queue full %" PRIu64
                        ", too big %" PRIu64 ", truncated %" PRIu64 "; send errors %" PRIu64
                        "; duplicated %" PRIu64 ", reordered %" PRIu64 ", delayed %" PRIu64
                        "; queued %zu, flows %zu; bytes in %" PRIu64 ", out %" PRIu64,
                        c->received, c->probes, c->replied, c->dropped_loss, c->dropped_rate_limit,
                        c->dropped_low_port, c->dropped_self, c->dropped_queue_full, c->dropped_too_big,
                        c->truncated, c->send_errors, c->duplicated, c->reordered, c->delayed, e->n_heap,
                        (size_t) e->n_live, c->bytes_in, c->bytes_out);
        return buf;
}

Echo *echo_free(Echo *e) {
        if (!e)
                return NULL;

        for (size_t i = 0; i < e->n_socks; i++) {
                sd_event_source_disable_unref(e->socks[i].source);
                safe_close(e->socks[i].fd);
        }
        sd_event_source_disable_unref(e->timer);
        for (size_t i = 0; i < e->n_heap; i++)
                free(e->heap[i]);
        free(e->heap);
        free(e->flows);
        free(e->heads);
        free(e->slots);
        conf_unref(e->conf);
        sd_event_unref(e->event);
        free(e);
        return NULL;
}
