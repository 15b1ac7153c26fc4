/* echo.c — the UDP echo data path, top-down: on_readable() (recvmmsg) -> echo_handle()'s
 * steps (1-4 in echo_admit: admit, classify into a profile, loop check, lab reply format;
 * then budgets + flow lookup, impair, pay for copies) -> reply now from the receive
 * buffer, or later from the delay queue and its one sd-event timer -> tx_flush(). Each
 * classified datagram leaves one decision in the record (dgram_record()); a counters
 * query (doc/protocol.md) does not: it leaves after classify, answered from its flow's
 * counts. Calls echo_admit (front steps, profiles, loop memory), echo_profiles and
 * echo_flows (snapshots), echo_flow, echo_budget, echo_loop, echo_record, echo_journal,
 * echo_queue, echo_send, impair and probe, or echo_stamp's hooks for the STAMP reflector
 * (classify first, reply); daemon.c drives it through echo.h. */
#include <assert.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "echo.h"
#include "echo_admit.h"
#include "echo_budget.h"
#include "echo_flow.h"
#include "echo_flows.h"
#include "echo_journal.h"
#include "echo_loop.h"
#include "echo_queue.h"
#include "echo_send.h"
#include "echo_stamp.h"
#include "impair.h"
#include "log.h"
#include "probe.h"
#include "rng.h"

#define ECHO_FDS_MAX 16
_Static_assert(ECHO_FDS_MAX <= ECHO_ADMIT_PORTS_MAX, "every echo port is one of EchoAdmit's");
#define ECHO_BATCH 32                   /* datagrams per recvmmsg() */
#define ECHO_ROUNDS_MAX 8               /* recvmmsg() rounds per wakeup: HTTP gets its turn */
/* Larger than any IPv4 UDP payload (65507), so MSG_TRUNC only happens for IPv6 datagrams
 * beyond 64 KiB. The batch's 2 MiB of slots is allocated once and only the pages that
 * large datagrams touch become resident. */
#define ECHO_SLOT_SIZE 65536
#define ECHO_CMSG_SIZE 128              /* timestamp 32; STAMP's TTL, TOS, pktinfo <= 88 more */
/* The delay timer fires up to this much after the earliest deadline (never before it),
 * so one wakeup and one sendmmsg() carry every reply due in that window instead of one
 * wakeup per reply: at most 1/20 of the configured delay + jitter, and 250 us. */
#define ECHO_TIMER_SLACK_MAX_USEC 250
/* Counters queries per source address: a bucket of their own, apart from the budgets, so
 * a client's final query is not refused after a fast run and the query cannot be used to
 * get more answers than rate_limit allows (netlab-ping sends up to 3 per run). */
#define ECHO_QUERY_RATE 10.0
#define ECHO_QUERY_BURST 20

typedef struct EchoSocket {
        Echo *echo;
        int fd;
        uint16_t port;                  /* local port, network order */
        bool gso;                       /* UDP_SEGMENT works here (until it fails once) */
        bool yielded;                   /* at the others' priority (EchoTurn) */
        sd_event_source *source;
} EchoSocket;

typedef union CmsgBuf {
        struct cmsghdr align;
        uint8_t buf[ECHO_CMSG_SIZE];
} CmsgBuf;

struct Echo {
        sd_event *event;
        EchoTurn *turn;     /* shared with the loop's other Echo */
        bool timer_yielded; /* the delay timer at the others' priority */
        Conf *conf;
        const ConfEcho *ce;             /* &conf->echo */
        uint64_t seed;                  /* seed in use (from the config, or random) */
        bool seed_fixed;
        Rng rng; /* for the hash key fallback only */

        EchoAdmit admit; /* the profiles, the loop memory, our ports */

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
        EchoStamp *stamp;               /* the STAMP reflector's hooks, or NULL: the echo */
};

static void echo_handle(Echo *e, size_t sock, size_t i, usec_t now_mono);
static bool dgram_lookup(Echo *e, EchoDatagram *dg, usec_t now_mono);
static bool dgram_impair(Echo *e, EchoDatagram *dg);
static void dgram_answer_query(Echo *e, EchoDatagram *dg, usec_t now_mono);
static void dgram_pay_copies(Echo *e, EchoDatagram *dg, usec_t now_mono);
static void dgram_record(Echo *e, const EchoDatagram *dg, usec_t now_mono);
static void reply_now(Echo *e, EchoDatagram *dg, usec_t now_mono);
static void reply_later(Echo *e, EchoDatagram *dg, usec_t now_mono);
static void queue_send_due(Echo *e, usec_t now_usec);
static void queue_rearm(Echo *e);
static void tx_add(Echo *e, size_t sock, void *data, size_t len, SockAddr *peer, socklen_t peer_len,
                   EchoReply *free_after);
static void tx_add_reply(Echo *e, EchoReply *r, usec_t now_mono);
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
        unsigned taken = 0;

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
                taken += (unsigned) n;
                if (n < ECHO_BATCH)
                        break;
        }

        queue_rearm(e);
        echo_turn_taken(e->turn, sock->source, &sock->yielded, taken >= ECHO_BATCH);
        return 0;
}

/* One datagram, in steps (1-4 in echo_admit.c): each returns false (the drop counted) to
 * stop. */
static void echo_handle(Echo *e, size_t sock, size_t i, usec_t now_mono) {
        EchoDatagram dg = {
                .sock = sock,
                .msg = &e->rx[i].msg_hdr,
                .buf = e->rx_iov[i].iov_base,
                .len = e->rx[i].msg_len,
                .peer = &e->rx_peer[i],
                .src = ECHO_FLOW_REF_NULL,
                .d.copies = 1,
        };

        e->counters.received++;
        e->counters.bytes_in += dg.len;

        if (!echo_admit_datagram(&e->admit, &e->counters, &dg))
                return;
        if (e->stamp) { /* the STAMP reflector's hook first; then its profile, as an echo's */
                if (!echo_stamp_classify(e->stamp, &dg))
                        return;
                echo_admit_profile(&e->admit, &dg);
        } else if (!echo_admit_classify(&e->admit, &e->counters, &dg))
                return;
        if (dg.query) {
                dgram_answer_query(e, &dg, now_mono);
                return;
        }
        if (!echo_admit_unlooped(&e->admit, &e->counters, &dg, now_mono)) {
                dg.verdict = ECHO_RECORD_LOOP;
                dgram_record(e, &dg, now_mono);
                return;
        }
        echo_admit_lab_compat(&e->admit, &dg, e->now_rt);
        if (!dgram_lookup(e, &dg, now_mono) || !dgram_impair(e, &dg)) {
                dgram_record(e, &dg, now_mono);
                return;
        }
        dgram_pay_copies(e, &dg, now_mono);

        /* A STAMP session is a "probe" flow too, but its reply is the reflector packet
         * (echo_stamp.c): only netlab probes get the netlab stamps and the profile. */
        if (dg.probe && !dg.stamp) {
                probe_stamp_reply(dg.buf, dg.len, rx_kernel_stamp(dg.msg, e->now_rt), e->now_rt,
                                  dg.flow ? dg.flow->received : 0, dg.flow ? dg.flow->dropped : 0);
                if (e->admit.n_profiles > 1)
                        probe_stamp_profile(dg.buf, dg.len, (uint16_t) (dg.prof + 1)); /* which group answered */
        }

        /* Only one reply per flow is held back at a time; with no delay it is held
         * right here, so the rest of this batch already counts as overtaking it. */
        if (dg.d.reorder && dg.d.delay_usec == 0 && (!dg.flow || dg.flow->hold.reply))
                dg.d.reorder = false;

        if (dg.d.delay_usec == 0 && !dg.d.reorder && !dg.lab)
                reply_now(e, &dg, now_mono);
        else
                reply_later(e, &dg, now_mono);
        dgram_record(e, &dg, now_mono);
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

/* Step 5: the source pays for its first reply (echo_budget.h), then the datagram's flow.
 * Returns false (counted) when the source is over its budget. */
static bool dgram_lookup(Echo *e, EchoDatagram *dg, usec_t now_mono) {
        EchoProfile *p = dg->pr;
        bool allowed = true;

        /* The budget comes first, so a source over its rate cannot churn the flow table
         * with new session ids: its flow is only looked up. */
        if (p->budget_on) {
                EchoFlowKey sk = { .kind = ECHO_FLOW_SOURCE };
                EchoFlow *src;

                memcpy(sk.addr, dg->key.addr, sizeof(sk.addr));
                src = flow_get(e, &sk, now_mono, true);
                if (src) {
                        dg->heavy = echo_budget_vote(&src->budget, dg->port);
                        allowed = echo_budget_pay(&src->budget, &p->limits, dg->heavy, !dg->probe,
                                                  dg->prefix_len + dg->len, now_mono);
                        dg->src = echo_flow_ref(&e->flows, src);
                }
        }

        /* Per-flow state exists for probes (their counters go into the reply), when an
         * impairment is on for plain datagrams (Gilbert-Elliott state, reordering), and
         * in classroom mode for everyone (the teacher's list of clients). */
        if (dg->probe || !p->noop || e->admit.n_profiles > 1) {
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
                f->lab = p->ce->lab_compat != LAB_COMPAT_OFF && !dg->probe && !dg->stamp;
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

/* Step 6: the impairment model's verdict in dg->d. Returns false (counted) when the loss
 * model drops the datagram. */
static bool dgram_impair(Echo *e, EchoDatagram *dg) {
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

/* Step 7: a duplicate is a reply too and is paid for like the first one; a source that
 * cannot pay for it gets one copy. */
static void dgram_pay_copies(Echo *e, EchoDatagram *dg, usec_t now_mono) {
        EchoFlow *src;

        if (dg->d.copies <= 1 || !dg->pr->budget_on)
                return;
        src = echo_flow_from_ref(&e->flows, dg->src);
        if (!src || !echo_budget_pay(&src->budget, &dg->pr->limits, dg->heavy, !dg->probe,
                                     dg->prefix_len + dg->len, now_mono))
                dg->d.copies = 1;
}

/* The counters query (doc/protocol.md, "Final counters"): answered at once with the
 * flow's received/dropped counts and its profile's mean loss burst, in the request's own
 * bytes (the answer is exactly as long as the query). Never impaired, whatever the
 * profile says, never counted in the flow, and no flow is created for it; only the
 * source's own query bucket (apart from the budgets) can refuse it, counted as a
 * rate-limit drop (in the profile too). */
static void dgram_answer_query(Echo *e, EchoDatagram *dg, usec_t now_mono) {
        EchoFlowKey sk = { .kind = ECHO_FLOW_SOURCE };
        uint64_t received = 0, dropped = 0;
        EchoFlow *f;

        memcpy(sk.addr, dg->key.addr, sizeof(sk.addr));
        f = flow_get(e, &sk, now_mono, true);
        if (f && !impair_bucket_take(&f->query_bucket, ECHO_QUERY_RATE, ECHO_QUERY_BURST, now_mono)) {
                e->counters.dropped_rate_limit++;
                dg->pr->counters.dropped_rate_limit++;
                return;
        }

        dg->key.port = dg->port;
        dg->key.kind = ECHO_FLOW_PROBE;
        dg->key.session = dg->p.session_id;
        f = flow_get(e, &dg->key, now_mono, false);
        if (f) {
                received = f->received;
                dropped = f->dropped;
        }

        probe_stamp_reply(dg->buf, dg->len, rx_kernel_stamp(dg->msg, e->now_rt), e->now_rt, received, dropped);
        probe_stamp_counters(dg->buf, dg->len, dg->pr->burst_mean_milli);
        tx_add(e, dg->sock, dg->buf, dg->len, dg->peer, dg->msg->msg_namelen, NULL);
        dg->pr->counters.replied++;
}

/* The decision on @dg (dg->verdict) into the record for grading and, with record_log,
 * the journal. */
static void dgram_record(Echo *e, const EchoDatagram *dg, usec_t now_mono) {
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

/* Answers now, straight from the receive buffer. */
static void reply_now(Echo *e, EchoDatagram *dg, usec_t now_mono) {
        EchoReply *next = dg->flow ? echo_queue_release(&e->queue, &dg->flow->hold, NULL) : NULL;

        if (dg->stamp)
                echo_stamp_reflect_now(e->stamp, dg, &e->admit.loop, now_mono);
        else if (!dg->probe)
                echo_loop_remember(&e->admit.loop, dg->loop_hash, now_mono);

        for (unsigned k = 0; k < dg->d.copies; k++)
                tx_add(e, dg->sock, dg->buf, dg->len, dg->peer, dg->msg->msg_namelen, NULL);
        if (dg->d.copies > 1)
                e->counters.duplicated++;
        dg->pr->counters.replied++;
        if (dg->flow)
                dg->flow->replied++;
        if (next)
                tx_add_reply(e, next, now_mono);
}

/* Answers later: a copy (with the lab prefix) goes into the delay queue, or into the
 * flow's reorder hold when it has no delay. A full queue drops it (counted). */
static void reply_later(Echo *e, EchoDatagram *dg, usec_t now_mono) {
        bool hold = dg->d.reorder && dg->d.delay_usec == 0;
        EchoReply *q;
        int r;

        r = echo_queue_reply_new(&e->queue, dg->prefix, dg->prefix_len, dg->buf, dg->len, &q);
        if (r >= 0) {
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
                if (dg->stamp)
                        echo_stamp_keep(dg->msg, dg->flow, q);
                r = hold ? echo_queue_hold(&e->queue, q, &dg->flow->hold, dg->pr->ce->reorder_gap, now_mono) :
                           echo_queue_push(&e->queue, q);
                if (r < 0) {
                        echo_queue_reply_free(&e->queue, q);
                        r = -ENOMEM;
                }
        }
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
        dg->pr->counters.replied++;
        if (dg->flow)
                dg->flow->replied++;
        /* Remembered from when it is due: before that, the same bytes again are a client
         * repeating itself, not our reply coming back. STAMP's is built as it leaves. */
        if (!dg->probe && !dg->stamp)
                echo_loop_remember(
                        &e->admit.loop,
                        dg->lab ? echo_loop_hash(&e->admit.loop, dg->key.addr, dg->port, q->data, q->len) :
                                  dg->loop_hash,
                        now_mono + dg->d.delay_usec);
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
                        const ConfEcho *c =
                                e->admit.profiles[q->profile < e->admit.n_profiles ? q->profile : 0].ce;
                        int r = echo_queue_hold(&e->queue, q, &f->hold, c->reorder_gap, now_usec);

                        if (r >= 0) {
                                e->counters.reordered++;
                                continue;
                        }
                        if (r == -ENOMEM)
                                e->counters.oom++;
                }

                next = f ? echo_queue_release(&e->queue, &f->hold, q) : NULL;
                tx_add_reply(e, q, now_usec);
                if (next)
                        tx_add_reply(e, next, now_usec);
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
        echo_turn_taken(e->turn, s, &e->timer_yielded, false);
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
static void tx_add_reply(Echo *e, EchoReply *r, usec_t now_mono) {
        if (e->stamp)
                echo_stamp_reflect_queued(e->stamp, r, echo_flow_from_ref(&e->flows, r->flow),
                                          &e->admit.loop, now_mono);
        else if (r->probe)
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
        r = echo_admit_set_conf(&e->admit, c, e->seed);
        if (r < 0)
                return r;
        if (e->conf != conf) {
                conf_unref(e->conf);
                e->conf = conf_ref(conf);
        }
        e->ce = c;
        echo_flows_name_profiles(&e->record, e->admit.profiles, e->admit.n_profiles);
        r = echo_record_set_size(&e->record, c->record);
        if (r < 0)
                log_warning_errno(r, "Failed to resize the echo record to %u entries, keeping %zu: %m",
                                  c->record, e->record.size);
        echo_queue_set_limits(&e->queue, c->max_queue, ECHO_QUEUE_BYTES_MAX);
        for (size_t i = 0; i < e->admit.n_profiles; i++) {
                const ConfEcho *pc = e->admit.profiles[i].ce;

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

int echo_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, EchoTurn *turn, Echo **ret) {
        _cleanup_(echo_freep) Echo *e = NULL;
        uint64_t hash_key[8];
        int r;

        assert(event);
        assert(conf);
        assert(fds || n_fds == 0);
        assert(turn);
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
        e->turn = turn;
        e->timer_armed = USEC_INFINITY;
        r = echo_set_conf(e, conf);
        if (r < 0)
                return r;
        rng_seed(&e->rng, e->seed);

        /* The hash keys are random per process, so a client cannot aim its session ids at
         * one flow chain, nor its payloads at one set of the loop memory. */
        if (getrandom(hash_key, sizeof(hash_key), GRND_NONBLOCK) != sizeof(hash_key))
                for (size_t i = 0; i < ELEMENTSOF(hash_key); i++)
                        hash_key[i] = rng_next(&e->rng) ^ now(CLOCK_MONOTONIC);
        r = echo_flow_table_init(&e->flows, hash_key, e->ce->max_flows);
        if (r < 0)
                return r;
        echo_loop_init(&e->admit.loop, hash_key + 4, e->admit.loop.window);

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
                echo_admit_add_port(&e->admit, s->port);

                /* Kernel receive stamps: the probe's server_rx is when the datagram
                 * arrived, not when the loop got to it. Without them, the batch time. */
                if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
                        log_debug_errno(errno, "Failed to enable SO_TIMESTAMPNS, ignoring: %m");

                r = sd_event_add_io(event, &s->source, s->fd, EPOLLIN, on_readable, s);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(s->source, "echo-socket");
                (void) echo_turn_join(s->source);
        }

        r = sd_event_add_time(event, &e->timer, CLOCK_MONOTONIC, 0, 1, on_timer, e);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(e->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(e->timer, "echo-delay-queue");
        (void) echo_turn_join(e->timer);

        *ret = TAKE_PTR(e);
        return 0;
}

int echo_set_stamp(Echo *e) {
        int r;

        assert(e);
        assert(!e->stamp);

        r = echo_stamp_new(e->conf, &e->stamp);
        if (r < 0)
                return r;
        for (size_t i = 0; i < e->n_socks; i++)
                (void) echo_stamp_setup_socket(e->socks[i].fd);
        return 0;
}

const StampCounters *echo_get_stamp_counters(const Echo *e) {
        assert(e);
        return e->stamp ? echo_stamp_get_counters(e->stamp) : NULL;
}

int echo_apply_conf(Echo *e, Conf *conf) {
        int r;

        assert(e);
        assert(conf);

        r = echo_set_conf(e, conf);
        if (r < 0)
                return r;
        if (e->stamp)
                echo_stamp_set_conf(e->stamp, conf);
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
        assert(e);
        assert(ret);
        assert(ret_n);

        *ret_n = e->admit.n_profiles;
        return echo_profiles_snapshot(e->admit.profiles, e->admit.n_profiles, &e->flows, ret);
}

int echo_get_flows(const Echo *e, const FlowsQuery *q, usec_t now_mono, usec_t now_rt, FlowsSnapshot *ret) {
        assert(e);
        return echo_flows_snapshot(&e->flows, e->admit.profiles, e->admit.n_profiles, &e->record, q,
                                   now_mono, now_rt, ret);
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
        echo_stamp_free(e->stamp);
        echo_admit_done(&e->admit);
        echo_record_done(&e->record);
        free(e->slots);
        conf_unref(e->conf);
        sd_event_unref(e->event);
        free(e);
        return NULL;
}
