/* echo_send.c — the end of the echo's data path: echo.c adds each reply to a batch and
 * flushes it once per receive batch or timer wakeup; this file builds the sendmmsg()
 * vector (runs to one peer as UDP GSO messages), sends it and counts the outcome. Calls
 * only the kernel, log.c (debug) and echo_queue.c (to free sent replies). */
#include <assert.h>
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>

#include "echo_send.h"
#include "log.h"

bool echo_send_add(EchoSend *b, size_t sock, void *data, size_t len, SockAddr *peer, socklen_t peer_len,
                   EchoReply *done) {
        size_t k;

        assert(b);

        if (b->n > 0 && (b->sock != sock || b->n == ECHO_SEND_MAX))
                return false;
        b->sock = sock;
        k = b->n++;
        b->iov[k] = (struct iovec) { .iov_base = data, .iov_len = len };
        b->tx[k].msg_hdr = (struct msghdr) {
                .msg_name = peer,
                .msg_namelen = peer_len,
                .msg_iov = &b->iov[k],
                .msg_iovlen = 1,
        };
        b->done[k] = done;
        return true;
}

/* Sends tx[from..to) with sendmmsg(), one datagram per message. */
static void send_plain(EchoSend *b, int fd, size_t from, size_t to, EchoCounters *c) {
        size_t i = from;

        while (i < to) {
                int r = sendmmsg(fd, b->tx + i, (unsigned) (to - i), MSG_DONTWAIT);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                                c->send_errors += to - i;
                                break;
                        }
                        c->send_errors++;
                        i++;
                        continue;
                }
                for (int k = 0; k < r; k++)
                        c->bytes_out += b->iov[i + (size_t) k].iov_len;
                c->replied += (uint64_t) r;
                i += (size_t) r;
        }
}

static bool same_peer(const struct msghdr *a, const struct msghdr *b) {
        return a->msg_namelen == b->msg_namelen && memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* The kernel then routes and builds one large packet per message and splits it into the
 * individual datagrams at the end, instead of walking the whole output path once per
 * datagram. A flooding client gets most of its replies this way; the datagrams on the
 * wire are identical. */
size_t echo_send_build_gso(EchoSend *b) {
        size_t k = 0;

        assert(b);

        for (size_t i = 0; i < b->n;) {
                size_t len = b->iov[i].iov_len, j = i + 1;

                if (len > 0 && len <= ECHO_SEND_GSO_SIZE_MAX)
                        while (j < b->n && j - i < ECHO_SEND_GSO_SEGMENTS_MAX && b->iov[j].iov_len == len &&
                               (j - i + 1) * len <= ECHO_SEND_GSO_BYTES_MAX &&
                               same_peer(&b->tx[i].msg_hdr, &b->tx[j].msg_hdr))
                                j++;

                b->gso[k].msg_hdr = (struct msghdr) {
                        .msg_name = b->tx[i].msg_hdr.msg_name,
                        .msg_namelen = b->tx[i].msg_hdr.msg_namelen,
                        .msg_iov = &b->iov[i],
                        .msg_iovlen = j - i,
                };
                if (j - i > 1) {
                        struct cmsghdr *cm;
                        uint16_t segment = (uint16_t) len;

                        b->gso[k].msg_hdr.msg_control = &b->gso_cmsg[k];
                        b->gso[k].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
                        cm = CMSG_FIRSTHDR(&b->gso[k].msg_hdr);
                        cm->cmsg_level = SOL_UDP;
                        cm->cmsg_type = UDP_SEGMENT;
                        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                        memcpy(CMSG_DATA(cm), &segment, sizeof(segment));
                }
                b->gso_first[k] = i;
                b->gso_n[k] = j - i;
                k++;
                i = j;
        }
        return k;
}

/* Sends the k GSO messages. A kernel or route that cannot segment (EIO without checksum
 * offload, EINVAL for an old kernel or a small path MTU, EMSGSIZE) turns GSO off for the
 * socket and the rest of the batch goes out one datagram per message, so a failure that
 * only GSO causes never loses replies twice. */
static void send_gso(EchoSend *b, int fd, bool *gso, size_t k, EchoCounters *c) {
        size_t i = 0;

        while (i < k) {
                int r = sendmmsg(fd, b->gso + i, (unsigned) (k - i), MSG_DONTWAIT);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                                c->send_errors += b->n - b->gso_first[i];
                                return;
                        }
                        if (b->gso_n[i] > 1 && (errno == EIO || errno == EINVAL || errno == EMSGSIZE ||
                                                errno == EOPNOTSUPP || errno == ENOPROTOOPT)) {
                                log_debug_errno(errno, "UDP GSO not usable on the echo socket, sending "
                                                "datagrams one by one: %m");
                                *gso = false;
                                send_plain(b, fd, b->gso_first[i], b->n, c);
                                return;
                        }
                        c->send_errors += b->gso_n[i];
                        i++;
                        continue;
                }
                for (size_t m = i; m < i + (size_t) r; m++) {
                        c->replied += b->gso_n[m];
                        c->bytes_out += b->gso_n[m] * b->iov[b->gso_first[m]].iov_len;
                }
                i += (size_t) r;
        }
}

void echo_send_flush(EchoSend *b, int fd, bool *gso, EchoCounters *c, EchoQueue *q) {
        size_t k;

        assert(b);
        assert(gso);
        assert(c);
        assert(q);

        if (b->n == 0)
                return;
        if (*gso && b->n > 1 && (k = echo_send_build_gso(b)) < b->n)
                send_gso(b, fd, gso, k, c);
        else
                send_plain(b, fd, 0, b->n, c);

        for (size_t j = 0; j < b->n; j++)
                echo_queue_reply_free(q, b->done[j]);
        b->n = 0;
}
