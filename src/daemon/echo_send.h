/* echo_send.h — the echo's send batch: replies collected during one receive batch or
 * timer wakeup go out in one sendmmsg(), runs of equal-sized replies to one peer as UDP
 * GSO messages. Used only by echo.c; does I/O (sendmmsg) but keeps no state of its own
 * beyond the batch. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "counters.h"
#include "echo_queue.h"

/* Datagrams per batch: a receive batch of 32 can make 2 copies each plus a released held
 * reply (2 copies) each. */
#define ECHO_SEND_MAX 128
/* UDP GSO (UDP_SEGMENT, Linux >= 4.18) for runs of equal-sized replies to one peer:
 * at most 64 segments (the kernel's limit before 6.x), one IP datagram's worth of bytes,
 * and segments that fit the IPv6 minimum MTU, so no path needs fragmentation. */
#define ECHO_SEND_GSO_SEGMENTS_MAX 64
#define ECHO_SEND_GSO_BYTES_MAX 65000
#define ECHO_SEND_GSO_SIZE_MAX 1232

typedef union EchoGsoCmsg {
        struct cmsghdr align;
        uint8_t buf[CMSG_SPACE(sizeof(uint16_t))];
} EchoGsoCmsg;

/* Embedded in Echo; zero-initialised is an empty batch. Fields private to echo_send.c. */
typedef struct EchoSend {
        struct mmsghdr tx[ECHO_SEND_MAX];       /* one datagram each; all go to socket @sock */
        struct iovec iov[ECHO_SEND_MAX];
        EchoReply *done[ECHO_SEND_MAX];         /* queued replies to free once sent */
        struct mmsghdr gso[ECHO_SEND_MAX];      /* tx[] grouped into UDP GSO messages */
        EchoGsoCmsg gso_cmsg[ECHO_SEND_MAX];
        size_t gso_first[ECHO_SEND_MAX], gso_n[ECHO_SEND_MAX];
        size_t n;
        size_t sock;
} EchoSend;

/* Adds one datagram of @len bytes at @data to @peer, for the socket with index @sock.
 * @data and @peer are borrowed until the next echo_send_flush(); @done (may be NULL) is
 * a queued reply the flush frees once sent. Returns false and adds nothing when the
 * batch is full or holds datagrams for another socket: flush it, then add again. */
bool echo_send_add(EchoSend *b, size_t sock, void *data, size_t len, SockAddr *peer, socklen_t peer_len,
                   EchoReply *done);

/* Groups b->tx[] into b->gso[]: each run of datagrams to the same peer with the same
 * length (within the ECHO_SEND_GSO_* limits) becomes one message with a UDP_SEGMENT
 * control message, every other datagram one message of its own. Pure. Returns the number
 * of messages. */
size_t echo_send_build_gso(EchoSend *b);

/* Sends the batch on @fd (the socket it was built for), as GSO messages while *@gso, and
 * empties it; a no-op for an empty batch. A full socket buffer (EAGAIN, ENOBUFS) drops
 * the rest of the batch: a UDP echo never waits and never spins; other errors
 * (unreachable, EPERM from a firewall) lose only that datagram. An error that only GSO
 * causes sets *@gso to false and sends the rest one datagram per message. Counts
 * replied, bytes_out and send_errors in @c, and frees the replies handed over with
 * echo_queue_reply_free(@q). */
void echo_send_flush(EchoSend *b, int fd, bool *gso, EchoCounters *c, EchoQueue *q);
