/* echo.c — the UDP echo data path, top-down: on_readable() (recvmmsg) -> echo_handle()'s
 * steps (admit, classify/decode, rate limit + flow lookup, impair) -> reply now from the
 * receive buffer, or later from the delay queue and its one sd-event timer -> tx_flush().
 * Calls profile (classroom profile of a datagram), echo_flow (per-flow state), echo_queue
 * (delayed replies), echo_send (sendmmsg, UDP GSO), impair and probe; daemon.c drives it
 * through echo.h. */
#include <assert.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "echo.h"
#include "echo_flow.h"
#include "echo_journal.h"
#include "echo_queue.h"
#include "echo_send.h"
#include "impair.h"
#include "log.h"
#include "probe.h"
#include "profile.h"
#include "rng.h"

#define ECHO_FDS_MAX 16
#define ECHO_BATCH 32                   /* datagrams per recvmmsg() */
#define ECHO_ROUNDS_MAX 8               /* recvmmsg() rounds per wakeup: HTTP gets its turn */
/* Larger than any IPv4 UDP payload (65507), so MSG_TRUNC only happens for IPv6 datagrams
 * beyond 64 KiB. The batch's 2 MiB of slots is allocated once and only the pages that
 * large datagrams touch become resident. */
#define ECHO_SLOT_SIZE 65536
#define ECHO_CMSG_SIZE 64               /* CMSG_SPACE(struct timespec) = 32, with room */
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

typedef struct EchoSocket {
        Echo *echo;
        int fd;
        uint16_t port;                  /* local port, network order */
        unsigned column;                /* profile_table_column() of the port */
        bool gso;                       /* UDP_SEGMENT works here (until it fails once) */
        sd_event_source *source;
} EchoSocket;

typedef union CmsgBuf {
        struct cmsghdr align;
        uint8_t buf[ECHO_CMSG_SIZE];
} CmsgBuf;

/* One classroom profile at run time (index 0: the default, the top-level settings): its
 * settings, its own random stream, so a group's decisions do not depend on what other
 * groups send, and its counters. Rebuilt on every reload; counters, stream and serial
 * carry over while the name stays (the stream and serial only while it is unchanged). */
typedef struct EchoProfile {
        char name[PROFILE_NAME_MAX + 1];
        const ConfEcho *ce;    /* in Echo.conf: the top level or ConfProfile.echo */
        const ConfProfile *cp; /* NULL for the default */
        bool noop;             /* impair_is_noop(): fast path */
        double rate;           /* effective per-source rate, 0 = off */
        unsigned burst;
        uint64_t seed;
        Rng rng;
        uint32_t serial; /* new when the settings change: flows restart their loss state */
        uint16_t record_name; /* echo_record_intern() of the name */
        EchoProfileCounters counters;
} EchoProfile;

struct Echo {
        sd_event *event;
        Conf *conf;
        const ConfEcho *ce;             /* &conf->echo */
        uint64_t seed;                  /* seed in use (from the config, or random) */
        bool seed_fixed;
        Rng rng; /* for the hash key fallback only */

        EchoProfile *profiles; /* n_profiles, [0] = default */
        size_t n_profiles;
        ProfileTable table;
        uint32_t last_serial;

        EchoSocket socks[ECHO_FDS_MAX];
        size_t n_socks;

        /* receive batch */
        uint8_t *slots;                 /* ECHO_BATCH * ECHO_SLOT_SIZE */
        struct mmsghdr rx[ECHO_BATCH];
        struct iovec rx_iov[ECHO_BATCH];
        SockAddr rx_peer[ECHO_BATCH];
        CmsgBuf rx_cmsg[ECHO_BATCH];

        EchoSend tx;                    /* send batch */
        usec_t now_rt;                  /* CLOCK_REALTIME of the current batch */

        EchoFlowTable flows;
        EchoQueue queue;
        sd_event_source *timer;         /* the delay queue's earliest deadline */
        usec_t timer_armed;             /* USEC_INFINITY: disarmed */
        usec_t timer_slack;

        EchoCounters counters;
        EchoRecord record;   /* echo.record: the decisions, for grading */
        EchoJournal journal; /* echo.record_log */
};

/* One received datagram on its way through echo_handle(). */
typedef struct Datagram {
        size_t sock;                    /* index into Echo.socks */
        struct msghdr *msg;
        uint8_t *buf;                   /* the receive slot; probe replies are stamped in place */
        size_t len;
        SockAddr *peer;
        EchoFlowKey key;                /* the peer's address; port, kind, session per flow */
        uint16_t port;                  /* the peer's, network order */
        bool probe;
        Probe p;
        uint16_t prof;                  /* index into Echo.profiles */
        EchoProfile *pr;                /* &Echo.profiles[prof] */
        EchoFlow *flow;                 /* per-flow state, or NULL (none needed, or OOM) */
        ImpairDecision d;
        EchoRecordReason verdict; /* ECHO_RECORD_REPLIED, or why it was dropped */
} Datagram;

static void echo_handle(Echo *e, size_t sock, size_t i, usec_t now_mono);
static bool dgram_admit(Echo *e, Datagram *dg);
static bool dgram_classify(Echo *e, Datagram *dg);
static bool dgram_lookup(Echo *e, Datagram *dg, usec_t now_mono);
static bool dgram_impair(Echo *e, Datagram *dg);
static void reply_now(Echo *e, Datagram *dg);
static void dgram_record(Echo *e, const Datagram *dg, usec_t now_mono);
static void reply_later(Echo *e, Datagram *dg, const char *prefix, size_t prefix_len, usec_t now_mono);
static void queue_send_due(Echo *e, usec_t now_usec);
static void queue_rearm(Echo *e);
static void tx_add(Echo *e, size_t sock, void *data, size_t len, SockAddr *peer, socklen_t peer_len,
                   EchoReply *free_after);
static void tx_add_reply(Echo *e, EchoReply *r);
static void tx_flush(Echo *e);

/* ---- receiving ---------------------------------------------------------------------- */

static void rx_reset(Echo *e) {
        for (size_t i = 0; i < ECHO_BATCH; i++) {
                e->rx[i].msg_hdr.msg_namelen = sizeof(SockAddr);
                e->rx[i].msg_hdr.msg_controllen = sizeof(CmsgBuf);
                e->rx[i].msg_hdr.msg_flags = 0;
        }
}

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
                if (echo_queue_next_due(&e->queue) <= now_mono)
                        queue_send_due(e, now_mono);
                tx_flush(e);
                rx_reset(e);
                if (n < ECHO_BATCH)
                        break;
        }

        queue_rearm(e);
        return 0;
}

/* One datagram, in the steps below: each returns false (the drop counted) to stop. */
static void echo_handle(Echo *e, size_t sock, size_t i, usec_t now_mono) {
        Datagram dg = {
                .sock = sock,
                .msg = &e->rx[i].msg_hdr,
                .buf = e->rx_iov[i].iov_base,
                .len = e->rx[i].msg_len,
                .peer = &e->rx_peer[i],
                .d.copies = 1,
        };
        char prefix[ECHO_LAB_PREFIX_MAX];
        size_t prefix_len = 0;
        bool lab;

        e->counters.received++;
        e->counters.bytes_in += dg.len;

        if (!dgram_admit(e, &dg) || !dgram_classify(e, &dg))
                return;
        if (!dgram_lookup(e, &dg, now_mono) || !dgram_impair(e, &dg)) {
                dgram_record(e, &dg, now_mono);
                return;
        }

        if (dg.probe)
                probe_stamp_reply(dg.buf, dg.len, rx_kernel_stamp(dg.msg, e->now_rt), e->now_rt,
                                  dg.flow ? dg.flow->received : 0, dg.flow ? dg.flow->dropped : 0);
        if (dg.probe && e->n_profiles > 1)
                probe_stamp_profile(dg.buf, dg.len, (uint16_t) (dg.prof + 1)); /* which group answered */

        lab = dg.pr->ce->lab_compat && !dg.probe;
        if (lab) {
                /* The lab server's reply: its clock in ms, a space, the request. Never
                 * longer than max_payload. */
                unsigned max = e->ce->max_payload;
                int n = snprintf(prefix, sizeof(prefix), "%" PRIu64 " ", e->now_rt / USEC_PER_MSEC);

                prefix_len = (size_t) MAX(n, 0);
                if (prefix_len + dg.len > max)
                        dg.len = max > prefix_len ? max - prefix_len : 0;
        }

        /* Only one reply per flow is held back at a time; with no delay it is held
         * right here, so the rest of this batch already counts as overtaking it. */
        if (dg.d.reorder && dg.d.delay_usec == 0 && (!dg.flow || dg.flow->hold.reply))
                dg.d.reorder = false;

        if (dg.d.delay_usec == 0 && !dg.d.reorder && !lab)
                reply_now(e, &dg);
        else
                reply_later(e, &dg, prefix, prefix_len, now_mono);
        dgram_record(e, &dg, now_mono);
}

/* Fills the address part of @k from @peer and returns the port (network order). IPv4
 * peers are keyed as v4-mapped IPv6 so a v4 client is one source on v4 and dual-stack
 * sockets alike. */
static uint16_t key_from_peer(const SockAddr *peer, EchoFlowKey *k) {
        if (peer->sa.sa_family == AF_INET) {
                k->addr[10] = k->addr[11] = 0xff;
                memcpy(k->addr + 12, &peer->in.sin_addr, 4);
                return peer->in.sin_port;
        }
        memcpy(k->addr, &peer->in6.sin6_addr, 16);
        return peer->in6.sin6_port;
}

/* Step 1: limits on the datagram and its source. Returns false (counted) to drop it. */
static bool dgram_admit(Echo *e, Datagram *dg) {
        const ConfEcho *c = e->ce;

        if (dg->msg->msg_flags & MSG_TRUNC) {
                e->counters.truncated++;
                return false;
        }
        if (dg->len > c->max_payload) {
                e->counters.dropped_too_big++;
                return false;
        }
        if (!(dg->peer->sa.sa_family == AF_INET && dg->msg->msg_namelen >= sizeof(struct sockaddr_in)) &&
            !(dg->peer->sa.sa_family == AF_INET6 && dg->msg->msg_namelen >= sizeof(struct sockaddr_in6)))
                return false;           /* cannot happen on an INET socket; never reply blind */

        dg->port = key_from_peer(dg->peer, &dg->key);
        /* RFC 862 servers have long been abused to bounce traffic between well-known
         * services (echo <-> chargen). Port 0 cannot be answered at all. */
        if (dg->port == 0 || (!c->allow_low_ports && ntohs(dg->port) < 1024)) {
                e->counters.dropped_low_port++;
                return false;
        }
        /* Our own port as the source: our own socket (a reply would come straight back)
         * or another echo server on the same port (an endless echo loop). */
        if (dg->port == e->socks[dg->sock].port) {
                e->counters.dropped_self++;
                return false;
        }
        return true;
}

/* Step 2: a netlab probe or plain bytes, and the classroom profile it belongs to (one
 * binary search; none without profiles). Returns false (counted) to drop it. */
static bool dgram_classify(Echo *e, Datagram *dg) {
        if (dg->len >= PROBE_HEADER_SIZE && probe_decode(dg->buf, dg->len, &dg->p) >= 0) {
                /* A probe that already is a reply was sent by an echo server, not by a
                 * client: answering it would start a loop between two netlabds. */
                if (dg->p.flags & PROBE_FLAG_REPLY) {
                        e->counters.dropped_self++;
                        return false;
                }
                dg->probe = true;
                e->counters.probes++;
        }
        dg->prof = e->n_profiles > 1 ?
                           (uint16_t) profile_table_lookup(&e->table, dg->key.addr, e->socks[dg->sock].column) :
                           0;
        dg->pr = &e->profiles[dg->prof];
        dg->pr->counters.received++;
        return true;
}

/* The per-source-address rate limit. The address's bucket bounds what it gets; when one
 * of its ports floods, it drains that bucket, and the address's other ports (another
 * client on the same host, or behind the same NAT) would get nothing. So the port that
 * sends most of the address's datagrams (Boyer-Moore majority vote: no per-port state, so
 * a client cycling through source ports cannot grow the flow table) uses only the main
 * bucket, and the other ports fall back on a second bucket of the same size. An address
 * gets at most twice rate_limit in total, a single flooding port at most rate_limit. */
static bool source_allow(const EchoProfile *p, EchoFlow *src, uint16_t port, usec_t now_usec) {
        if (src->heavy_votes == 0 || src->heavy_port == port) {
                src->heavy_port = port;
                src->heavy_votes = MIN(src->heavy_votes + 1, ECHO_HEAVY_VOTES_MAX);
        } else
                src->heavy_votes--;

        if (impair_bucket_take(&src->bucket, p->rate, p->burst, now_usec))
                return true;
        return port != src->heavy_port && impair_bucket_take(&src->reserve, p->rate, p->burst, now_usec);
}

/* Looks up (or creates) a flow entry. Allocation failure is survived without the entry. */
static EchoFlow *flow_get(Echo *e, const EchoFlowKey *k, usec_t now_usec, bool create) {
        EchoFlow *f;
        int r;

        r = echo_flow_get(&e->flows, k, now_usec, create, &f);
        if (r == -ENOMEM)
                e->counters.oom++;
        return r < 0 ? NULL : f;
}

/* Step 3: the per-source token bucket, then the datagram's flow. Returns false (counted)
 * when the source is over its rate. */
static bool dgram_lookup(Echo *e, Datagram *dg, usec_t now_mono) {
        EchoProfile *p = dg->pr;
        bool allowed = true;

        /* The bucket comes first, so a source over its rate cannot churn the flow table
         * with new session ids: its flow is only looked up. */
        if (p->rate > 0) {
                EchoFlowKey sk = { .kind = ECHO_FLOW_SOURCE };
                EchoFlow *src;

                memcpy(sk.addr, dg->key.addr, sizeof(sk.addr));
                src = flow_get(e, &sk, now_mono, true);
                allowed = !src || source_allow(p, src, dg->port, now_mono);
        }

        /* Per-flow state exists for probes (their counters go into the reply), when an
         * impairment is on for plain datagrams (Gilbert-Elliott state, reordering), and
         * in classroom mode for everyone (the teacher's list of clients). */
        if (dg->probe || !p->noop || e->n_profiles > 1) {
                dg->key.port = dg->port;
                dg->key.kind = dg->probe ? ECHO_FLOW_PROBE : ECHO_FLOW_PLAIN;
                dg->key.session = dg->probe ? dg->p.session_id : 0;
                dg->flow = flow_get(e, &dg->key, now_mono, allowed);
        }
        if (dg->flow) {
                EchoFlow *f = dg->flow;

                /* A flow that moved to another profile, or whose profile changed, starts
                 * its loss state afresh under the new settings. */
                if (f->profile_serial != p->serial) {
                        f->loss = (ImpairLossState) {};
                        f->profile_serial = p->serial;
                        f->profile = dg->prof;
                }
                if (f->received++ == 0)
                        f->first_usec = now_mono;
                f->lab = p->ce->lab_compat && !dg->probe;
                if (dg->probe)
                        f->last_seq = dg->p.seq;
        }

        if (!allowed) {
                dg->verdict = ECHO_RECORD_RATE_LIMIT;
                e->counters.dropped_rate_limit++;
                p->counters.dropped_rate_limit++;
                if (dg->flow) {
                        dg->flow->dropped++;
                        dg->flow->dropped_rate_limit++;
                }
        }
        return allowed;
}

/* Step 4: the impairment model's verdict in dg->d. Returns false (counted) when the loss
 * model drops the datagram. */
static bool dgram_impair(Echo *e, Datagram *dg) {
        ImpairLossState scratch = {};

        if (dg->pr->noop)
                return true;
        impair_decide(dg->pr->ce, &dg->pr->rng, dg->flow ? &dg->flow->loss : &scratch, &dg->d);
        if (!dg->d.drop)
                return true;
        dg->verdict = ECHO_RECORD_LOSS;
        e->counters.dropped_loss++;
        dg->pr->counters.dropped_loss++;
        if (dg->flow) {
                dg->flow->dropped++;
                dg->flow->dropped_loss++;
        }
        return false;
}

/* Answers now, straight from the receive buffer. */
static void reply_now(Echo *e, Datagram *dg) {
        EchoReply *next = dg->flow ? echo_queue_release(&e->queue, &dg->flow->hold, NULL) : NULL;

        for (unsigned k = 0; k < dg->d.copies; k++)
                tx_add(e, dg->sock, dg->buf, dg->len, dg->peer, dg->msg->msg_namelen, NULL);
        if (dg->d.copies > 1)
                e->counters.duplicated++;
        dg->pr->counters.replied++;
        if (dg->flow)
                dg->flow->replied++;
        if (next)
                tx_add_reply(e, next);
}

/* The decision on @dg into the record for grading and, with record_log, the journal. */
static void dgram_record(Echo *e, const Datagram *dg, usec_t now_mono) {
        EchoRecordEntry r;

        if (e->record.size == 0 && !e->ce->record_log)
                return;
        echo_record_entry_init(&r, rx_kernel_stamp(dg->msg, e->now_rt), dg->key.addr, ntohs(dg->port),
                               dg->pr->record_name, dg->buf, dg->len, dg->probe, dg->p.seq);
        r.reason = (uint8_t) dg->verdict;
        if (dg->verdict == ECHO_RECORD_REPLIED) {
                r.delay_usec = (uint32_t) MIN(dg->d.delay_usec, (usec_t) UINT32_MAX);
                r.flags |= (dg->d.copies > 1 ? ECHO_RECORD_F_DUPLICATED : 0) |
                           (dg->d.reorder ? ECHO_RECORD_F_REORDERED : 0);
        }
        echo_record_add(&e->record, &r);
        if (e->ce->record_log)
                echo_journal_log(&e->journal, &r, dg->pr->name, now_mono);
}

/* Answers later: a copy (with the lab prefix) goes into the delay queue, or into the
 * flow's reorder hold when it has no delay. A full queue drops it (counted). */
static void reply_later(Echo *e, Datagram *dg, const char *prefix, size_t prefix_len, usec_t now_mono) {
        bool hold = dg->d.reorder && dg->d.delay_usec == 0;
        EchoReply *q;
        int r;

        r = echo_queue_reply_new(&e->queue, prefix, prefix_len, dg->buf, dg->len, &q);
        if (r < 0) {
                if (r == -ENOMEM)
                        e->counters.oom++;
                dg->verdict = ECHO_RECORD_QUEUE_FULL;
                e->counters.dropped_queue_full++;
                dg->pr->counters.dropped_queue_full++;
                if (dg->flow) {
                        dg->flow->dropped++;
                        dg->flow->dropped_queue_full++;
                }
                return;
        }
        q->due = now_mono + dg->d.delay_usec;
        q->copies = (uint8_t) dg->d.copies;
        q->reorder = dg->d.reorder;
        q->probe = dg->probe;
        q->profile = dg->prof;
        q->sock = (uint8_t) dg->sock;
        q->peer = *dg->peer;
        q->peer_len = dg->msg->msg_namelen;
        if (dg->flow)
                q->flow = echo_flow_ref(&e->flows, dg->flow);

        r = hold ? echo_queue_hold(&e->queue, q, &dg->flow->hold, dg->pr->ce->reorder_gap, now_mono) :
                   echo_queue_push(&e->queue, q);
        if (r < 0) {
                echo_queue_reply_free(&e->queue, q);
                e->counters.oom++;
                dg->verdict = ECHO_RECORD_QUEUE_FULL;
                e->counters.dropped_queue_full++;
                dg->pr->counters.dropped_queue_full++;
                if (dg->flow) {
                        dg->flow->dropped++;
                        dg->flow->dropped_queue_full++;
                }
                return;
        }
        dg->pr->counters.replied++;
        if (dg->flow)
                dg->flow->replied++;
        if (hold)
                e->counters.reordered++;
        if (dg->d.copies > 1)
                e->counters.duplicated++;
        if (dg->d.delay_usec > 0)
                e->counters.delayed++;
}

/* ---- the delay queue's timer -------------------------------------------------------- */

/* Sends every queued reply due by @now_usec; holds back the ones marked for reordering. */
static void queue_send_due(Echo *e, usec_t now_usec) {
        EchoReply *q;

        while ((q = echo_queue_pop_due(&e->queue, now_usec))) {
                EchoFlow *f = echo_flow_from_ref(&e->flows, q->flow);
                EchoReply *next;

                if (q->reorder && !q->held && f) {
                        /* A reload may have removed its profile: the default's gap then. */
                        const ConfEcho *c = e->profiles[q->profile < e->n_profiles ? q->profile : 0].ce;
                        int r = echo_queue_hold(&e->queue, q, &f->hold, c->reorder_gap, now_usec);

                        if (r >= 0) {
                                e->counters.reordered++;
                                continue;
                        }
                        if (r == -ENOMEM)
                                e->counters.oom++;
                }

                next = f ? echo_queue_release(&e->queue, &f->hold, q) : NULL;
                tx_add_reply(e, q);
                if (next)
                        tx_add_reply(e, next);
        }
}

/* One timer for the earliest deadline. Any time in [due, due + slack] will do, so
 * sd-event (and the timerfd under it) is only touched when the armed time falls outside
 * that window. An armed timer is left alone when the queue empties: one spurious
 * wakeup later is cheaper than disarming and re-arming the timerfd around every burst. */
static void queue_rearm(Echo *e) {
        usec_t lo = echo_queue_next_due(&e->queue), hi;

        if (lo == USEC_INFINITY)
                return;
        hi = lo + e->timer_slack;
        if (e->timer_armed != USEC_INFINITY && e->timer_armed >= lo && e->timer_armed <= hi)
                return;
        (void) sd_event_source_set_time(e->timer, hi);
        (void) sd_event_source_set_enabled(e->timer, SD_EVENT_ONESHOT);
        e->timer_armed = hi;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Echo *e = userdata;

        e->timer_armed = USEC_INFINITY;         /* ONESHOT: it is off now */
        e->now_rt = now(CLOCK_REALTIME);
        queue_send_due(e, now(CLOCK_MONOTONIC));
        tx_flush(e);
        queue_rearm(e);
        return 0;
}

/* ---- sending ------------------------------------------------------------------------ */

static void tx_add(Echo *e, size_t sock, void *data, size_t len, SockAddr *peer, socklen_t peer_len,
                   EchoReply *free_after) {
        if (echo_send_add(&e->tx, sock, data, len, peer, peer_len, free_after))
                return;
        tx_flush(e);                    /* full, or for another socket */
        (void) echo_send_add(&e->tx, sock, data, len, peer, peer_len, free_after);   /* empty: always fits */
}

/* Adds a queued reply (all its copies) to the batch; it is freed once sent. */
static void tx_add_reply(Echo *e, EchoReply *r) {
        if (r->probe)
                probe_restamp_tx(r->data, r->len, e->now_rt);
        for (unsigned c = 1; c < r->copies; c++)
                tx_add(e, r->sock, r->data, r->len, &r->peer, r->peer_len, NULL);
        tx_add(e, r->sock, r->data, r->len, &r->peer, r->peer_len, r);
}

static void tx_flush(Echo *e) {
        EchoSocket *s = &e->socks[e->tx.sock];

        echo_send_flush(&e->tx, s->fd, &s->gso, &e->counters, &e->queue);
}

/* ---- configuration and lifetime --------------------------------------------------- */

static EchoProfile *profile_find(EchoProfile *ps, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(ps[i].name, name))
                        return &ps[i];
        return NULL;
}

/* Builds the run-time profiles and the classification table of @conf, carrying over
 * from the current ones what a reload keeps. Returns 0, or -ENOMEM (nothing changed). */
static int echo_set_profiles(Echo *e, Conf *conf) {
        const ConfEcho *c = &conf->echo;
        size_t n = 1 + c->n_profiles;
        _cleanup_free_ EchoProfile *ps = NULL;
        ProfileMatch m[PROFILE_MAX] = {};
        ProfileTable t;
        int r;

        ps = calloc(n, sizeof(EchoProfile));
        if (!ps)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_profiles; i++)
                m[i] = (ProfileMatch) {
                        .sources = c->profiles[i].cidrs,
                        .n_sources = c->profiles[i].n_cidrs,
                        .ports = c->profiles[i].ports,
                        .n_ports = c->profiles[i].n_ports,
                };
        r = profile_table_build(m, c->n_profiles, &t);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                EchoProfile *p = &ps[i], *old;
                const ConfProfile *cp = i > 0 ? &c->profiles[i - 1] : NULL;

                strcpy(p->name, cp ? cp->name : "default");
                p->cp = cp;
                p->ce = cp ? &cp->echo : c;
                p->noop = impair_is_noop(p->ce);
                p->rate = p->ce->rate_limit;
                p->burst = p->ce->rate_burst;
                if (p->ce->lab_compat && p->rate <= 0) {
                        p->rate = ECHO_LAB_RATE;
                        p->burst = ECHO_LAB_BURST;
                }
                p->seed = !cp          ? e->seed :
                          cp->seed_set ? cp->echo.seed :
                                         profile_seed_derive(e->seed, cp->name);

                r = echo_record_intern(&e->record, p->name);
                p->record_name = (uint16_t) MAX(r, 0); /* out of names: recorded as "default" */
                old = profile_find(e->profiles, e->n_profiles, p->name);
                if (old)
                        p->counters = old->counters;
                if (old && old->seed == p->seed)
                        p->rng = old->rng; /* an unchanged seed does not restart the sequence */
                else
                        rng_seed(&p->rng, p->seed);
                if (old && conf_echo_same_impairment(old->ce, p->ce))
                        p->serial = old->serial;
                else
                        p->serial = ++e->last_serial;
        }

        free(e->profiles);
        e->profiles = TAKE_PTR(ps);
        e->n_profiles = n;
        profile_table_done(&e->table);
        e->table = t;
        for (size_t i = 0; i < e->n_socks; i++)
                e->socks[i].column = profile_table_column(&e->table, ntohs(e->socks[i].port));
        return 0;
}

static int echo_set_conf(Echo *e, Conf *conf) {
        const ConfEcho *c = &conf->echo;
        usec_t slack = USEC_INFINITY;
        char buf[512];
        int r;

        /* A fixed seed replays the same decisions; reseed only when it changes, so a
         * reload that only touches other keys does not restart the sequence. */
        if (c->seed != 0 && (!e->seed_fixed || c->seed != e->seed)) {
                e->seed = c->seed;
                e->seed_fixed = true;
        } else if (c->seed == 0 && (e->seed_fixed || e->seed == 0)) {
                if (getrandom(&e->seed, sizeof(e->seed), GRND_NONBLOCK) != sizeof(e->seed))
                        e->seed = now(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);
                e->seed_fixed = false;
        }

        /* The old profiles still point into the old snapshot: build the new ones first. */
        r = echo_set_profiles(e, conf);
        if (r < 0)
                return r;
        r = echo_record_set_size(&e->record, c->record);
        if (r < 0)
                log_warning_errno(r, "Failed to resize the echo record to %u entries, keeping %zu: %m",
                                  c->record, e->record.size);
        if (e->conf != conf) {
                conf_unref(e->conf);
                e->conf = conf_ref(conf);
        }
        e->ce = c;
        echo_queue_set_limits(&e->queue, c->max_queue, ECHO_QUEUE_BYTES_MAX);
        for (size_t i = 0; i < e->n_profiles; i++) {
                const ConfEcho *pc = e->profiles[i].ce;

                if (pc->delay_usec + pc->jitter_usec > 0)
                        slack = MIN(slack, (pc->delay_usec + pc->jitter_usec) / 20);
        }
        e->timer_slack = slack == USEC_INFINITY ? 0 : MIN(slack, (usec_t) ECHO_TIMER_SLACK_MAX_USEC);

        log_info("Echo impairment: %s", impair_format_summary(c, buf, sizeof(buf)));
        for (size_t i = 0; i < c->n_profiles; i++)
                log_info("Echo profile '%s' (%s): %s", c->profiles[i].name, c->profiles[i].match,
                         impair_format_summary(&c->profiles[i].echo, buf, sizeof(buf)));
        return 0;
}

int echo_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, Echo **ret) {
        _cleanup_(echo_freep) Echo *e = NULL;
        uint64_t hash_key[4];
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
        e->timer_armed = USEC_INFINITY;
        r = echo_set_conf(e, conf);
        if (r < 0)
                return r;
        rng_seed(&e->rng, e->seed);

        /* The flow hash key is random per process, so a client cannot aim its session ids
         * at one chain. */
        if (getrandom(hash_key, sizeof(hash_key), GRND_NONBLOCK) != sizeof(hash_key))
                for (size_t i = 0; i < ELEMENTSOF(hash_key); i++)
                        hash_key[i] = rng_next(&e->rng) ^ now(CLOCK_MONOTONIC);
        r = echo_flow_table_init(&e->flows, hash_key, e->ce->max_flows);
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
                s->column = profile_table_column(&e->table, ntohs(s->port));

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
        int r;

        assert(e);
        assert(conf);

        r = echo_set_conf(e, conf);
        if (r < 0)
                return r;
        echo_flow_table_set_max(&e->flows, conf->echo.max_flows);
        return 0;
}

void echo_stop(Echo *e) {
        assert(e);

        for (size_t i = 0; i < e->n_socks; i++)
                (void) sd_event_source_set_enabled(e->socks[i].source, SD_EVENT_OFF);
}

bool echo_is_idle(const Echo *e) {
        assert(e);
        return echo_queue_size(&e->queue) == 0;
}

const EchoCounters *echo_get_counters(const Echo *e) {
        assert(e);
        return &e->counters;
}

size_t echo_queue_length(const Echo *e) {
        assert(e);
        return echo_queue_size(&e->queue);
}

size_t echo_n_flows(const Echo *e) {
        assert(e);
        return echo_flow_count(&e->flows);
}

int echo_get_profiles(const Echo *e, MetricsEchoProfile **ret, size_t *ret_n) {
        MetricsEchoProfile *m;

        assert(e);
        assert(ret);
        assert(ret_n);

        m = calloc(e->n_profiles, sizeof(MetricsEchoProfile));
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_profiles; i++)
                m[i] = (MetricsEchoProfile) {
                        .name = e->profiles[i].name,
                        .match = e->profiles[i].cp ? e->profiles[i].cp->match : "everyone else",
                        .ce = e->profiles[i].ce,
                        .counters = e->profiles[i].counters,
                };
        for (const EchoFlow *f = echo_flow_next(&e->flows, NULL); f; f = echo_flow_next(&e->flows, f))
                if (f->key.kind != ECHO_FLOW_SOURCE && f->received > 0 && f->profile < e->n_profiles &&
                    f->profile_serial == e->profiles[f->profile].serial)
                        m[f->profile].flows++;
        *ret = m;
        *ret_n = e->n_profiles;
        return 0;
}

int echo_get_flows(const Echo *e, const FlowsQuery *q, usec_t now_mono, usec_t now_rt, FlowsSnapshot *ret) {
        FlowsSnapshot s = { .has_record = q->has_peer || q->has_profile,
                            .record_size = e->record.size,
                            .names = &e->record };

        assert(e);
        assert(q);
        assert(ret);

        s.flows = calloc(MIN(echo_flow_count(&e->flows), (size_t) FLOWS_MAX) ?: 1, sizeof(FlowsEntry));
        if (!s.flows)
                return -ENOMEM;
        for (const EchoFlow *f = echo_flow_next(&e->flows, NULL); f; f = echo_flow_next(&e->flows, f)) {
                FlowsEntry x;

                if (f->key.kind == ECHO_FLOW_SOURCE || f->received == 0)
                        continue;
                x = (FlowsEntry) {
                        .port = ntohs(f->key.port),
                        .profile = f->profile < e->n_profiles ? e->profiles[f->profile].name : "default",
                        .kind = f->key.kind == ECHO_FLOW_PROBE ? FLOWS_KIND_PROBE :
                                f->lab                         ? FLOWS_KIND_LAB_COMPAT :
                                                                 FLOWS_KIND_PLAIN,
                        .received = f->received,
                        .replied = f->replied,
                        .dropped_loss = f->dropped_loss,
                        .dropped_rate_limit = f->dropped_rate_limit,
                        .dropped_queue_full = f->dropped_queue_full,
                        .first_seen_usec = now_rt - MIN(now_rt, now_mono - MIN(now_mono, f->first_usec)),
                        .last_seen_usec = now_rt - MIN(now_rt, now_mono - MIN(now_mono, f->last_usec)),
                        .idle_usec = now_mono - MIN(now_mono, f->last_usec),
                        .last_seq = f->last_seq,
                };
                memcpy(x.addr, f->key.addr, sizeof(x.addr));
                if (!flows_entry_matches(&x, q))
                        continue;
                if (s.n_flows == FLOWS_MAX) {
                        s.truncated = true;
                        break;
                }
                s.flows[s.n_flows++] = x;
        }

        if (s.has_record && e->record.size > 0) {
                EchoRecordFilter rf = { .has_peer = q->has_peer, .port = q->port, .profile = -1 };
                int idx = -1;

                memcpy(rf.addr, q->addr, sizeof(rf.addr));
                if (q->has_profile) {
                        for (size_t i = 0; i < e->record.n_names; i++)
                                if (streq(e->record.names[i], q->profile))
                                        idx = (int) i;
                        rf.profile = idx >= 0 ? idx : ECHO_RECORD_NAMES_MAX; /* unknown: matches none */
                }
                s.record = malloc(FLOWS_RECORD_MAX * sizeof(EchoRecordEntry));
                if (!s.record) {
                        flows_snapshot_done(&s);
                        return -ENOMEM;
                }
                s.n_record =
                        echo_record_query(&e->record, &rf, s.record, FLOWS_RECORD_MAX, &s.record_truncated);
        }
        *ret = s;
        return 0;
}

Echo *echo_free(Echo *e) {
        if (!e)
                return NULL;

        for (size_t i = 0; i < e->n_socks; i++) {
                sd_event_source_disable_unref(e->socks[i].source);
                safe_close(e->socks[i].fd);
        }
        sd_event_source_disable_unref(e->timer);
        echo_queue_done(&e->queue);
        echo_flow_table_done(&e->flows);
        profile_table_done(&e->table);
        echo_record_done(&e->record);
        free(e->profiles);
        free(e->slots);
        conf_unref(e->conf);
        sd_event_unref(e->event);
        free(e);
        return NULL;
}
