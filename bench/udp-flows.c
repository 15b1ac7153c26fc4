/* udp-flows.c — closed-loop load of netlab probes spread over many flows, for the echo's
 * cost curve against the number of active flows (bench/echo-ab.sh flows=N).
 *
 * Keeps WINDOW probes (doc/protocol.md: 64 bytes, "NLAB", version 1) in flight against
 * one netlabd; probe k carries session_id 1 + k % FLOWS, so the server holds FLOWS probe
 * flows, each touched in turn (the worst case for its flow table's cache: no two
 * consecutive datagrams share an entry). A reply frees a slot, which is refilled at once;
 * a probe unanswered after 200 ms is written off so a dropped datagram cannot stall the
 * window. Every flow is touched once before the measured interval starts.
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

        /* Outstanding probes: their send time by slot (seq % window is not unique once
         * probes are written off, so slots are looked up by seq in a small ring). */
        uint64_t *sent_at = calloc(window, sizeof(*sent_at)), *slot_seq = calloc(window, sizeof(*slot_seq));
        uint8_t buf[BATCH][PROBE_LEN + 16];
        if (!sent_at || !slot_seq)
                return 1;

        uint64_t seq = 0, sent = 0, replies = 0, lost = 0, measured = 0, m_lost = 0;
        unsigned long in_flight = 0;
        uint64_t t0 = now_ns(), t_warm = t0 + (uint64_t) (warm * 1e9), t_end = t_warm + (uint64_t) (secs * 1e9);

        /* Touch every flow once (without measuring), so FLOWS entries exist. */
        for (uint64_t k = 0; k < flows; k++) {
                uint8_t b[PROBE_LEN];

                probe_fill(b, k, flows);
                while (send(fd, b, PROBE_LEN, 0) < 0 && errno == EAGAIN)
                        (void) poll(&(struct pollfd) { .fd = fd, .events = POLLOUT }, 1, 10);
                if (k % 256 == 255)
                        while (recv(fd, buf[0], sizeof(buf[0]), 0) > 0)
                                ;
        }
        usleep(100000);
        while (recv(fd, buf[0], sizeof(buf[0]), 0) > 0)
                ;
        seq = flows;
        t0 = now_ns();
        t_warm = t0 + (uint64_t) (warm * 1e9);
        t_end = t_warm + (uint64_t) (secs * 1e9);

        for (;;) {
                uint64_t t = now_ns();

                if (t >= t_end)
                        break;
                while (in_flight < window) {
                        unsigned long s = (unsigned long) (seq % window);
                        uint8_t b[PROBE_LEN];

                        if (sent_at[s] != 0) /* that slot's probe is still out: write it off */
                                break;
                        probe_fill(b, seq, flows);
                        if (send(fd, b, PROBE_LEN, 0) < 0)
                                break;
                        sent_at[s] = t;
                        slot_seq[s] = seq;
                        seq++;
                        sent++;
                        in_flight++;
                }
                if (poll(&(struct pollfd) { .fd = fd, .events = POLLIN }, 1, 10) > 0)
                        for (;;) {
                                ssize_t n = recv(fd, buf[0], sizeof(buf[0]), 0);
                                uint64_t rs;

                                if (n < 0)
                                        break;
                                if (n < PROBE_LEN)
                                        continue;
                                memcpy(&rs, buf[0] + 16, 8);
                                rs = be64toh(rs);
                                unsigned long s = (unsigned long) (rs % window);
                                if (sent_at[s] == 0 || slot_seq[s] != rs)
                                        continue; /* late, already written off */
                                sent_at[s] = 0;
                                in_flight--;
                                replies++;
                                if (now_ns() >= t_warm)
                                        measured++;
                        }
                t = now_ns();
                for (unsigned long s = 0; s < window; s++)
                        if (sent_at[s] != 0 && t - sent_at[s] > LOST_NS) {
                                sent_at[s] = 0;
                                in_flight--;
                                lost++;
                                if (t >= t_warm)
                                        m_lost++;
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
