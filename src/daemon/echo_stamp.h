/* echo_stamp.h — the STAMP Session-Reflector (RFC 8762, RFC 8972) as a mode of the echo's
 * datagram path: an Echo made with echo_set_stamp() calls these hooks at its classify and
 * reply steps, so STAMP sessions go through the same admission, profiles, budgets, loop
 * memory, flow table, loss, delay queue, duplication and reordering as echo datagrams. The codec is
 * src/shared/stamp.c; this file holds the glue that needs the socket (control messages)
 * and the clock. Used only by echo.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "counters.h"
#include "echo_admit.h"
#include "echo_flow.h"
#include "echo_loop.h"
#include "echo_queue.h"

/* The reflector reads the clock's synchronisation state (adjtimex) at most this often,
 * not per packet. */
#define ECHO_STAMP_CLOCK_REFRESH_USEC USEC_PER_SEC

typedef struct EchoStamp EchoStamp;

/* Creates the reflector's state for @conf (conf->stamp.mode; borrowed, read now only).
 * Returns 0, or -ENOMEM. */
int echo_stamp_new(const Conf *conf, EchoStamp **ret);

/* Takes a reloaded configuration's stamp.mode. Sessions keep their counters. */
void echo_stamp_set_conf(EchoStamp *s, const Conf *conf);

/* Asks the kernel of socket @fd for what a reply needs with every datagram: TTL / Hop
 * Limit (IP_RECVTTL, IPV6_RECVHOPLIMIT), TOS / Traffic Class (IP_RECVTOS,
 * IPV6_RECVTCLASS) and the local address (IP_PKTINFO, IPV6_RECVPKTINFO), for IPv4 and,
 * on an IPv6 socket, v4-mapped IPv4 too. Options the socket refuses are skipped (their
 * fields are reported as unknown: 0). Returns how many options were set. */
int echo_stamp_setup_socket(int fd);

/* The decoding half of the classify step (echo.c then puts @dg into its profile with
 * echo_admit_profile()), for a datagram dg->buf[0..len) that arrived on socket dg->sock
 * with the control messages of dg->msg. Returns false (counted as invalid) when it is
 * shorter than a STAMP test packet: not answered. Otherwise counts the request, sets
 * dg->stamp and returns true; in stateful mode sets dg->probe and fills dg->p.session_id
 * with the session key (SSID, socket, local address: with the flow table's address and
 * port, the 4-tuple and the SSID) and dg->p.seq with the sender's sequence number, so the
 * echo keeps the session as a flow. Stateless mode keeps no per-session state: dg->probe
 * false, a plain flow. */
bool echo_stamp_classify(EchoStamp *s, EchoDatagram *dg);

/* The reply step for a reply that goes out now: turns the request in dg->buf[0..len)
 * (len >= 44) into the reflector packet in place with stamp_reflect(): T2 from dg->msg's
 * kernel stamp, T3 now, TTL and TOS from dg->msg, and in stateful mode with dg->flow (may
 * be NULL: answered without session state) the session's sequence number and Direct
 * Measurement counters (R_RxC = flow->received, R_TxC = replies built in the session,
 * this one included). Counts unrecognized and malformed TLVs. Remembers the reply as
 * built in @loop from @now_usec (CLOCK_MONOTONIC), so that it is not answered again when
 * another echo service sends it back. */
void echo_stamp_reflect_now(EchoStamp *s, EchoDatagram *dg, EchoLoop *loop, usec_t now_usec);

/* For a reply that waits in the delay queue: keeps in @q what the request's arrival said
 * (T2, TTL, TOS, and R_RxC from @flow, may be NULL), so that the reply is built when it
 * leaves. */
void echo_stamp_keep(const struct msghdr *m, const EchoFlow *flow, EchoReply *q);

/* The reply step for a queued reply leaving now: builds the reflector packet in q->data
 * from what echo_stamp_keep() kept, T3 now, and @flow's session state (NULL if the flow
 * was recycled meanwhile: answered without it), and remembers it in @loop from @now_usec
 * as echo_stamp_reflect_now() does. */
void echo_stamp_reflect_queued(EchoStamp *s, EchoReply *q, EchoFlow *flow, EchoLoop *loop, usec_t now_usec);

const StampCounters *echo_stamp_get_counters(const EchoStamp *s);

/* NULL-safe; returns NULL. */
EchoStamp *echo_stamp_free(EchoStamp *s);
