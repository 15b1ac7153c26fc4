/* Copied from netlab's shared peer benchmark kit (bench/README-udp.md of the netlab
 * project's benchmark baseline, 2026-11-25), unchanged below this note; used by
 * bench/udp-bench.sh as the reference echo servers and the closed-loop load client. */
/*
 * ref-echo.c - minimal reference UDP echo server for the netlab benchmark.
 *
 * Usage: ref-echo PORT MODE [sockperf]
 *   MODE plain : one recvfrom()/sendto() pair per datagram
 *   MODE mmsg  : recvmmsg()/sendmmsg() in batches of up to 32
 *   sockperf   : optional; clear sockperf's "client" flag bit in each reply
 *                (byte 9, bit 0) so that a `sockperf ping-pong` client accepts
 *                it. Without it the echo is byte-for-byte verbatim, and the
 *                sockperf client drops every reply as its own looped-back
 *                message ("No messages were received from the server").
 *
 * Listens on [::]:PORT dual-stack (falls back to 0.0.0.0:PORT without IPv6).
 * Blocking socket, default kernel buffer sizes, single thread: the "naive but
 * correct" baseline a netlabd echo path should at least match.
 * SIGINT/SIGTERM: prints "ref-echo: rx=N tx=N txerr=N" to stderr, exits 0.
 *
 * Build: cc -O2 -Wall -o ref-echo ref-echo.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH   32
#define SLOT    65536           /* > max UDP payload (65507): never truncate */
#define SP_HDR  14              /* sockperf header: seq u64, flags u16, len u32 (big endian) */

static volatile sig_atomic_t stop;
static unsigned long long rx, tx, txerr;
static int sp_compat;

static void on_signal(int sig) { (void)sig; stop = 1; }

static inline void fixup(char *buf, size_t n)
{
    if (sp_compat && n >= SP_HDR)
        buf[9] &= (char)~1;     /* MASK_CLIENT, low bit of the big-endian flags */
}

static int open_socket(int port)
{
    int one = 1, zero = 0;
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd >= 0) {
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_addr = in6addr_any;
        a6.sin6_port = htons((unsigned short)port);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0)
            return fd;
        close(fd);
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_ANY);
    a4.sin_port = htons((unsigned short)port);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a4, sizeof a4) != 0) { perror("bind"); exit(1); }
    return fd;
}

static void run_plain(int fd)
{
    static char buf[SLOT];
    struct sockaddr_storage peer;
    while (!stop) {
        socklen_t plen = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("recvfrom");
            break;
        }
        rx++;
        fixup(buf, (size_t)n);
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen) < 0)
            txerr++;            /* ENOBUFS/EAGAIN etc: drop, like any UDP echo */
        else
            tx++;
    }
}

static void run_mmsg(int fd)
{
    static char bufs[BATCH][SLOT];
    static struct sockaddr_storage peers[BATCH];
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];

    while (!stop) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = SLOT;
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &peers[i];
            msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
        }
        /* MSG_WAITFORONE: block for the first datagram, then take whatever
         * else is already queued (up to BATCH) without waiting. */
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("recvmmsg");
            break;
        }
        rx += (unsigned long long)n;
        for (int i = 0; i < n; i++) {
            iov[i].iov_len = msgs[i].msg_len;   /* echo exactly what came in */
            fixup(bufs[i], msgs[i].msg_len);
        }
        int off = 0;
        while (off < n) {
            int s = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
            if (s < 0) {
                if (errno == EINTR && !stop) continue;
                txerr++;        /* drop the failing datagram, go on with the rest */
                off++;
                continue;
            }
            tx += (unsigned long long)s;
            off += s;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "sockperf") != 0)) {
        fprintf(stderr, "usage: %s PORT plain|mmsg [sockperf]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    if (port <= 0 || port > 65535) { fprintf(stderr, "bad port\n"); return 2; }
    int mmsg = 0;
    if (strcmp(argv[2], "mmsg") == 0) mmsg = 1;
    else if (strcmp(argv[2], "plain") != 0) { fprintf(stderr, "bad mode\n"); return 2; }
    sp_compat = (argc == 4);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;          /* no SA_RESTART: blocking recv returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int fd = open_socket(port);
    fprintf(stderr, "ref-echo: port %d mode %s%s\n", port, mmsg ? "mmsg" : "plain",
            sp_compat ? " (sockperf flag fix-up)" : " (verbatim)");
    if (mmsg) run_mmsg(fd); else run_plain(fd);
    fprintf(stderr, "ref-echo: rx=%llu tx=%llu txerr=%llu\n", rx, tx, txerr);
    close(fd);
    return 0;
}
