/* echo_admit.c — PURE: the front of the echo's data path (echo_admit.h). echo.c calls the
 * four steps for every datagram, in order, before the budgets; this file calls
 * echo_profiles.c and profile.c (the datagram's profile), echo_loop.c (replies just
 * sent), echo_compat.c (lab reply formats), probe.c (decode) and sockaddr.c. */
#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "echo_admit.h"
#include "macro.h"

int echo_admit_set_conf(EchoAdmit *a, const ConfEcho *c, uint64_t seed) {
        EchoProfile *ps;
        ProfileTable t;
        usec_t hold = 0;
        int r;

        assert(a);
        assert(c);

        r = echo_profiles_build(c, seed, a->profiles, a->n_profiles, &a->last_serial, &ps, &t);
        if (r < 0)
                return r;
        free(a->profiles);
        a->profiles = ps;
        a->n_profiles = 1 + c->n_profiles;
        profile_table_done(&a->table);
        a->table = t;
        for (size_t i = 0; i < a->n_ports; i++)
                a->columns[i] = profile_table_column(&a->table, ntohs(a->ports[i]));
        a->ce = c;

        /* A second netlabd with the same settings holds our reply about as long as we
         * hold its: the window covers that (the normal tail to 4 jitters, in the profile
         * that holds longest) plus a second. */
        for (size_t i = 0; i < a->n_profiles; i++)
                hold = MAX(hold, a->profiles[i].ce->delay_usec + 4 * a->profiles[i].ce->jitter_usec);
        echo_loop_set_window(&a->loop, ECHO_LOOP_WINDOW_MIN_USEC + hold);
        return 0;
}

void echo_admit_add_port(EchoAdmit *a, uint16_t port) {
        assert(a);
        assert(a->n_ports < ECHO_ADMIT_PORTS_MAX);

        a->ports[a->n_ports] = port;
        a->columns[a->n_ports++] = profile_table_column(&a->table, ntohs(port));
}

void echo_admit_done(EchoAdmit *a) {
        if (!a)
                return;
        profile_table_done(&a->table);
        free(a->profiles);
        a->profiles = NULL;
        a->n_profiles = 0;
}

bool echo_admit_datagram(const EchoAdmit *a, EchoCounters *cnt, EchoDatagram *dg) {
        const ConfEcho *c = a->ce;

        if (dg->msg->msg_flags & MSG_TRUNC) {
                cnt->truncated++;
                return false;
        }
        if (dg->len > c->max_payload) {
                cnt->dropped_too_big++;
                return false;
        }
        if (!(dg->peer->sa.sa_family == AF_INET && dg->msg->msg_namelen >= sizeof(struct sockaddr_in)) &&
            !(dg->peer->sa.sa_family == AF_INET6 && dg->msg->msg_namelen >= sizeof(struct sockaddr_in6)))
                return false; /* cannot happen on an INET socket; never reply blind */

        /* IPv4 peers are keyed as v4-mapped IPv6: one source on v4 and dual-stack sockets. */
        (void) sockaddr_v4mapped(dg->peer, dg->key.addr);
        dg->port = htons(sockaddr_port(dg->peer));
        /* RFC 862 servers have long been abused to bounce traffic between well-known
         * services (echo <-> chargen). Port 0 cannot be answered at all. */
        if (dg->port == 0 || (!c->allow_low_ports && ntohs(dg->port) < 1024)) {
                cnt->dropped_low_port++;
                return false;
        }
        /* Any of our echo ports as the source, from any address: one of our own sockets
         * (a spoofed 127.0.0.1:B -> A would bounce between our ports A and B forever,
         * whatever addresses they are bound to), or another echo server using a port we
         * echo on too, which is just as much a loop. Clients send from ephemeral ports. */
        for (size_t i = 0; i < a->n_ports; i++)
                if (dg->port == a->ports[i]) {
                        cnt->dropped_self++;
                        return false;
                }
        return true;
}

bool echo_admit_classify(EchoAdmit *a, EchoCounters *cnt, EchoDatagram *dg) {
        if (dg->len >= PROBE_HEADER_SIZE && probe_decode(dg->buf, dg->len, &dg->p) >= 0) {
                /* A probe that already is a reply was sent by an echo server, not by a
                 * client: answering it would start a loop between two netlabds. */
                if (dg->p.flags & PROBE_FLAG_REPLY) {
                        cnt->dropped_self++;
                        return false;
                }
                /* The query needs room for its answer's extension; a shorter one is an
                 * ordinary probe, as an older netlabd would take it. It is not one of the
                 * flow's probes, so netlab_echo_probes_total does not count it either. */
                if ((dg->p.flags & PROBE_FLAG_COUNTERS) && dg->len >= PROBE_COUNTERS_SIZE)
                        dg->query = true;
                else {
                        dg->probe = true;
                        cnt->probes++;
                }
        }
        echo_admit_profile(a, dg);
        return true;
}

void echo_admit_profile(EchoAdmit *a, EchoDatagram *dg) {
        dg->prof = a->n_profiles > 1 && dg->sock < a->n_ports ?
                           (uint16_t) profile_table_lookup(&a->table, dg->key.addr, a->columns[dg->sock]) :
                           0;
        dg->pr = &a->profiles[dg->prof];
        dg->pr->counters.received++;
}

bool echo_admit_unlooped(const EchoAdmit *a, EchoCounters *cnt, EchoDatagram *dg, usec_t now_usec) {
        /* Probes need no such memory: a reply carries PROBE_FLAG_REPLY, which
         * echo_admit_classify() refuses. A STAMP session's reply carries no such flag. */
        if ((dg->probe && !dg->stamp) || dg->query ||
            !echo_loop_check(&a->loop, dg->key.addr, dg->port, dg->buf, dg->len, now_usec, &dg->loop_hash))
                return true;
        cnt->dropped_loop++;
        dg->pr->counters.dropped_loop++;
        return false;
}

void echo_admit_lab_compat(const EchoAdmit *a, EchoDatagram *dg, usec_t now_realtime_usec) {
        LabCompat mode = dg->probe || dg->query || dg->stamp ? LAB_COMPAT_OFF : dg->pr->ce->lab_compat;

        /* The textbook labs' servers (netlab.conf(5)): the timestamp reply is the
         * server's ms clock, a space and the request, never longer than max_payload; the
         * uppercase one is as long as the request, and the loop memory is to recognise
         * the upper-cased bytes. */
        if (mode == LAB_COMPAT_UPPERCASE) {
                echo_compat_uppercase(dg->buf, dg->len);
                dg->loop_hash = echo_loop_hash(&a->loop, dg->key.addr, dg->port, dg->buf, dg->len);
        } else if (mode == LAB_COMPAT_TIMESTAMP) {
                dg->lab = true;
                dg->prefix_len = echo_compat_timestamp_prefix(now_realtime_usec, dg->prefix);
                dg->len = echo_compat_timestamp_fit(dg->prefix_len, dg->len, a->ce->max_payload);
        }
}
