/* udp-flows.c — closed-loop load of netlab probes spread over many flows, for the echo's
 * cost curve against the number of active flows (bench/echo-ab.sh flows=N).
 *
 * Keeps WINDOW probes (doc/protocol.md: 64 bytes, "NLAB", version 1) in flight against
 * one netlabd; probe k carries session_id 1 + k % FLOWS, so the server holds FLOWS probe
 * flows, each touched in turn (the worst case for its flow table's cache: no two
 * consecutive datagrams share an entry). A reply frees a slot, which is refilled at once;
 * a probe unanswered after 200 ms is written off, and the others go on meanwhile. The
 * first FLOWS probes, in the same closed loop, touch every flow once; replies count from
 * after them and the warm-up.
 *
 *   udp-flows [-w WINDOW] [-n FLOWS] [-t SECS] [-W WARMUP_SECS] HOST PORT
 * (-s SIZE is accepted and ignored, so it takes udp-flood's arguments.)
 *
 * Prints one line like udp-flood.c: window= flows= secs= sent= replies= lost= rate=
 * (replies per second over the measured interval). Exit 1 without replies.
 * Build: cc -O2 -Wall -o udp-flows udp-flows.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_LEN 64
#define BATCH 64
#define LOST_NS 200000000ull

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static void probe_fill(uint8_t *b, uint64_t seq, uint64_t flows) {
        uint64_t v;

        memset(b, 0, PROBE_LEN);
        memcpy(b, "NLAB", 4);
        b[4] = 1;
        v = htobe64(1 + seq % flows);
        memcpy(b + 8, &v, 8);
        v = htobe64(seq);
        memcpy(b + 16, &v, 8);
}

int main(int argc, char **argv) {
        unsigned long window = 64, flows = 1;
        double secs = 5, warm = 0.5;
        int opt, fd;

        while ((opt = getopt(argc, argv, "w:n:t:W:s:")) != -1)
                switch (opt) {
                case 'w': window = strtoul(optarg, NULL, 10); break;
                case 'n': flows = strtoul(optarg, NULL, 10); break;
                case 't': secs = atof(optarg); break;
                case 'W': warm = atof(optarg); break;
                case 's': break; /* udp-flood's size option: probes are 64 bytes */
                default: goto usage;
                }
        if (argc - optind != 2 || window < 1 || window > 4096 || flows < 1)
                goto usage;

        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[optind + 1])) };
        if (inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1)
                goto usage;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &to, sizeof(to)) < 0) {
                perror("udp-flows: socket");
                return 1;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int) { 4 << 20 }, sizeof(int));

        /* Outstanding probes by seq in a ring (0 = answered or written off); they are sent
         * in seq order, so the oldest outstanding one is found by walking up from the
         * oldest seq, and a lost one is written off after LOST_NS without holding up the
         * rest of the window. */
        enum { RING = 1 << 16 };
        static uint64_t sent_at[RING];
        uint8_t buf[PROBE_LEN + 16];
        uint64_t seq = 0, oldest = 0, replies = 0, measured = 0, m_lost = 0, sent = 0;
        unsigned long in_flight = 0;
        uint64_t t0 = now_ns(), t_warm = t0 + (uint64_t) (warm * 1e9), t_end = t_warm + (uint64_t) (secs * 1e9);

        if (window > RING / 2)
                goto usage;
        /* The first FLOWS probes (in the same closed loop) touch every flow once; only
         * replies to later ones, after the warm-up, are counted. */
        for (;;) {
                uint64_t t = now_ns();

                if (t >= t_end)
                        break;
                while (in_flight < window && seq - oldest < RING - 1) {
                        uint8_t b[PROBE_LEN];

                        probe_fill(b, seq, flows);
                        if (send(fd, b, PROBE_LEN, 0) < 0)
                                break;
                        sent_at[seq % RING] = t;
                        seq++;
                        sent++;
                        in_flight++;
                }
                if (poll(&(struct pollfd) { .fd = fd, .events = POLLIN }, 1, 10) > 0)
                        for (;;) {
                                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                                uint64_t rs;

                                if (n < 0)
                                        break;
                                if (n < PROBE_LEN)
                                        continue;
                                memcpy(&rs, buf + 16, 8);
                                rs = be64toh(rs);
                                if (rs < oldest || rs >= seq || sent_at[rs % RING] == 0)
                                        continue; /* late, already written off */
                                sent_at[rs % RING] = 0;
                                in_flight--;
                                replies++;
                                if (rs >= flows && now_ns() >= t_warm)
                                        measured++;
                        }
                t = now_ns();
                while (oldest < seq && (sent_at[oldest % RING] == 0 || t - sent_at[oldest % RING] > LOST_NS)) {
                        if (sent_at[oldest % RING] != 0) {
                                sent_at[oldest % RING] = 0;
                                in_flight--;
                                if (t >= t_warm)
                                        m_lost++;
                        }
                        oldest++;
                }
        }
        printf("window=%lu flows=%lu secs=%.2f sent=%llu replies=%llu lost=%llu rate=%.0f\n", window, flows, secs,
               (unsigned long long) sent, (unsigned long long) measured, (unsigned long long) m_lost,
               (double) measured / secs);
        return replies > 0 ? 0 : 1;

usage:
        fprintf(stderr, "usage: udp-flows [-w WINDOW] [-n FLOWS] [-t SECS] [-W WARMUP_SECS] HOST PORT\n");
        return 1;
}
