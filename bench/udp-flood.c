/* Copied from netlab's shared peer benchmark kit (bench/README-udp.md of the netlab
 * project's benchmark baseline, 2026-11-25), unchanged below this note; used by
 * bench/udp-bench.sh as the reference echo servers and the closed-loop load client. */
/*
 * udp-flood.c - windowed UDP echo load generator / prober for the netlab
 * benchmark (udp-peers.sh).
 *
 * Keeps up to WINDOW datagrams outstanding against a UDP echo server: every
 * reply releases one slot, which is refilled at once (closed loop), so the
 * reply rate self-clocks to what the server sustains at that concurrency
 * without overrunning its socket buffer. -w 1 is back-to-back ping-pong;
 * -i USEC adds pacing (at most one send per USEC, like ping -i).
 *
 * Works against any server that returns the bytes it received. Bytes 0-15
 * form a sockperf ping-pong header (seq u64, flags u16 = CLIENT|PONG_REQUEST,
 * length u32, big endian, 2 pad bytes) so `sockperf server` answers too; a
 * server may rewrite those 16 bytes (sockperf clears the client bit). Bytes
 * 16-39 (magic, sequence number, send timestamp) must come back unchanged,
 * and the reply must have the length sent.
 *
 * Usage: udp-flood [-w window] [-i usec] [-t secs] [-W warmup_secs]
 *                  [-s size] [-T timeout_ms] HOST PORT
 *   -w  datagrams kept in flight (default 64)
 *   -i  pacing: at most one send per USEC microseconds (default 0 = none)
 *   -t  measured seconds (default 5)       -W  unmeasured warm-up (default 0.5)
 *   -s  datagram payload bytes, >= 40 (default 64)
 *   -T  a datagram without a reply after this long counts as lost (default 200)
 *
 * Prints one line of key=value pairs:
 *   window interval_us size secs sent replies lost late bad loss_pct rate
 *   rtt_avg_us rtt_p50_us rtt_p99_us rtt_p999_us rtt_max_us client_cpu_pct
 * rate      replies received per second during the measured interval
 * lost      datagrams unanswered after -T (including any still unanswered
 *           after the final drain); late = replies that came after that
 * rtt_*     from the send timestamp to the return of recvmmsg(), 0.1 us bins
 * Exit status 0 if at least one reply was measured, 1 otherwise.
 *
 * Build: cc -O2 -Wall -o udp-flood udp-flood.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH   64
#define RING    65536u                  /* outstanding-sequence tracking */
#define HBUCKET 100                     /* histogram bucket: 100 ns */
#define HMAX    1000000                 /* 1e6 buckets = 100 ms; above -> last bucket */
#define MAGIC   0x4e4c4246u             /* "NLBF" */

struct hdr {
    uint64_t sp_seq_be;                 /* sockperf header (bytes 0-15) */
    uint16_t sp_flags_be;
    uint16_t sp_len_hi, sp_len_lo, sp_pad;
    uint32_t magic, pad;                /* ours (bytes 16-39) */
    uint64_t seq, tx_ns;
} __attribute__((packed));

static uint32_t hist[HMAX + 1];
static uint64_t ring_ts[RING];
static uint8_t  ring_out[RING];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double pct_us(uint64_t total, double q)
{
    if (total == 0) return 0;
    uint64_t want = (uint64_t)(q * (double)total);
    if (want >= total) want = total - 1;
    uint64_t acc = 0;
    for (int i = 0; i <= HMAX; i++) {
        acc += hist[i];
        if (acc > want) return (i + 0.5) * HBUCKET / 1000.0;
    }
    return HMAX * HBUCKET / 1000.0;
}

static void usage(const char *p)
{
    fprintf(stderr, "usage: %s [-w window] [-i usec] [-t secs] [-W warmup] [-s size] "
            "[-T timeout_ms] HOST PORT\n", p);
    exit(2);
}

int main(int argc, char **argv)
{
    int window = 64, size = 64, opt;
    double secs = 5, warm = 0.5, tmo_ms = 200, ival_us = 0;
    while ((opt = getopt(argc, argv, "w:i:t:W:s:T:")) != -1) {
        switch (opt) {
        case 'w': window = atoi(optarg); break;
        case 'i': ival_us = atof(optarg); break;
        case 't': secs = atof(optarg); break;
        case 'W': warm = atof(optarg); break;
        case 's': size = atoi(optarg); break;
        case 'T': tmo_ms = atof(optarg); break;
        default: usage(argv[0]);
        }
    }
    if (argc - optind != 2 || window < 1 || window > (int)(RING / 2) || ival_us < 0 ||
        size < (int)sizeof(struct hdr) || size > 65507 || secs <= 0 || warm < 0 || tmo_ms <= 0)
        usage(argv[0]);

    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
    if (rc) { fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)); return 1; }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;  /* only the server's replies */
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) { perror("socket/connect"); return 1; }
    int big = 4 << 20;                  /* the client never drops: capped by rmem_max */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);     /* precise pacing sleeps */

    static char txbuf[BATCH][65536], rxbuf[BATCH][65536];
    static struct iovec txiov[BATCH], rxiov[BATCH];
    static struct mmsghdr txm[BATCH], rxm[BATCH];
    for (int i = 0; i < BATCH; i++) {
        memset(txbuf[i], 0x5a, (size_t)size);
        txiov[i].iov_base = txbuf[i]; txiov[i].iov_len = (size_t)size;
        txm[i].msg_hdr.msg_iov = &txiov[i]; txm[i].msg_hdr.msg_iovlen = 1;
        rxiov[i].iov_base = rxbuf[i]; rxiov[i].iov_len = 65536;
        rxm[i].msg_hdr.msg_iov = &rxiov[i]; rxm[i].msg_hdr.msg_iovlen = 1;
    }

    const uint64_t tmo = (uint64_t)(tmo_ms * 1e6);
    const uint64_t ival = (uint64_t)(ival_us * 1e3);
    const uint64_t t0 = now_ns();
    const uint64_t t_meas = t0 + (uint64_t)(warm * 1e9);
    const uint64_t t_end = t_meas + (uint64_t)(secs * 1e9);
    uint64_t next_seq = 0, oldest = 0, inflight = 0, next_send = t0;
    uint64_t sent = 0, replies = 0, lost = 0, late = 0, bad = 0, hcount = 0;
    double rtt_sum = 0, rtt_max = 0, cpu0 = cpu_s();
    int measuring = 0, draining = 0;

    for (;;) {
        uint64_t now = now_ns();
        if (!measuring && !draining && now >= t_meas) {
            measuring = 1;
            sent = replies = lost = late = bad = 0;
            cpu0 = cpu_s();
        }
        if (measuring && now >= t_end) {
            measuring = 0;
            draining = 1;
        }
        if (draining && (inflight == 0 || now >= t_end + tmo)) break;

        /* expire the oldest outstanding datagrams */
        while (oldest < next_seq) {
            uint32_t s = (uint32_t)(oldest % RING);
            if (ring_out[s]) {
                if (now - ring_ts[s] < tmo && next_seq - oldest < RING) break;
                ring_out[s] = 0;
                inflight--;
                lost++;
            }
            oldest++;
        }

        /* refill the window (one datagram per slot of the pacing schedule) */
        while (!draining && inflight < (uint64_t)window) {
            int k = (int)((uint64_t)window - inflight);
            if (k > BATCH) k = BATCH;
            uint64_t ts = now_ns();
            if (ival) {
                if (ts < next_send) break;
                k = 1;
                next_send += ival;
                if (next_send + ival < ts) next_send = ts;      /* fell behind: no burst */
            }
            for (int i = 0; i < k; i++) {
                struct hdr *h = (struct hdr *)txbuf[i];
                h->sp_seq_be = htobe64(next_seq + (uint64_t)i);
                h->sp_flags_be = htons(3);          /* CLIENT | PONG_REQUEST */
                h->sp_len_hi = htons((uint16_t)((unsigned)size >> 16));
                h->sp_len_lo = htons((uint16_t)((unsigned)size & 0xffff));
                h->sp_pad = 0;
                h->magic = MAGIC;
                h->pad = 0;
                h->seq = next_seq + (uint64_t)i;
                h->tx_ns = ts;
            }
            int s = sendmmsg(fd, txm, (unsigned)k, 0);
            if (s <= 0) {
                if (s < 0 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN &&
                    errno != ECONNREFUSED) {
                    perror("sendmmsg");
                    return 1;
                }
                break;
            }
            for (int i = 0; i < s; i++) {
                uint32_t slot = (uint32_t)((next_seq + (uint64_t)i) % RING);
                ring_ts[slot] = ts;
                ring_out[slot] = 1;
            }
            next_seq += (uint64_t)s;
            inflight += (uint64_t)s;
            if (measuring) sent += (uint64_t)s;
        }

        for (int i = 0; i < BATCH; i++) rxiov[i].iov_len = 65536;
        int n = recvmmsg(fd, rxm, BATCH, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNREFUSED) {
                perror("recvmmsg");
                return 1;
            }
            /* nothing queued: sleep until a reply, the next paced send, or 10 ms */
            uint64_t wait = 10000000ull, t = now_ns();
            if (ival && !draining && inflight < (uint64_t)window)
                wait = next_send > t ? next_send - t : 0;
            if (wait > 10000000ull) wait = 10000000ull;
            struct timespec tw = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };
            struct pollfd p = { .fd = fd, .events = POLLIN };
            ppoll(&p, 1, &tw, NULL);
            continue;
        }
        uint64_t rx = now_ns();
        for (int i = 0; i < n; i++) {
            struct hdr *h = (struct hdr *)rxbuf[i];
            if (rxm[i].msg_len != (unsigned)size || h->magic != MAGIC) { bad++; continue; }
            uint32_t slot = (uint32_t)(h->seq % RING);
            if (h->seq < oldest || h->seq >= next_seq || !ring_out[slot]) { late++; continue; }
            ring_out[slot] = 0;
            inflight--;
            if (!measuring) continue;       /* warm-up or drain: resolves, not counted */
            replies++;
            uint64_t d = rx - h->tx_ns;
            double us = (double)d / 1000.0;
            rtt_sum += us;
            if (us > rtt_max) rtt_max = us;
            uint64_t b = d / HBUCKET;
            hist[b < HMAX ? b : HMAX]++;
            hcount++;
        }
    }
    double cpu = cpu_s() - cpu0;
    lost += inflight;           /* never answered, even after the drain */
    double loss = (replies + lost) ? 100.0 * (double)lost / (double)(replies + lost) : 0;
    printf("window=%d interval_us=%.0f size=%d secs=%.2f sent=%llu replies=%llu lost=%llu "
           "late=%llu bad=%llu loss_pct=%.3f rate=%.0f rtt_avg_us=%.2f rtt_p50_us=%.2f "
           "rtt_p99_us=%.2f rtt_p999_us=%.2f rtt_max_us=%.2f client_cpu_pct=%.1f\n",
           window, ival_us, size, secs, (unsigned long long)sent, (unsigned long long)replies,
           (unsigned long long)lost, (unsigned long long)late, (unsigned long long)bad,
           loss, (double)replies / secs, hcount ? rtt_sum / (double)hcount : 0,
           pct_us(hcount, 0.50), pct_us(hcount, 0.99), pct_us(hcount, 0.999), rtt_max,
           100.0 * cpu / secs);
    return replies ? 0 : 1;
}
