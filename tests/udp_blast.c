/* udp_blast.c — an open-loop UDP sender for the integration tests: sendmmsg() calls of
 * BATCH datagrams, as fast as one core sends them, for a fixed time, so the echo socket
 * stays readable for the whole run: the case in which the echo must not starve the HTTP
 * server. BATCH 64 arrives in bursts; BATCH 1 arrives evenly, a few datagrams per echo
 * wakeup, refilled before the next one.
 *
 *   udp_blast SRC DST PORT SECONDS [SIZE [BATCH]]
 *                                           blast SIZE-byte datagrams (default 64) from
 *                                           SRC to DST:PORT, BATCH (1-64, default 64) per
 *                                           call; prints "sent N" at the end
 *   udp_blast                               a self-test (make check runs it so): 1000
 *                                           datagrams to a socket of its own arrive
 *
 * IPv4 only: the tests use 127.0.0.0/8 sources. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLAST_BATCH 64

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int parse_addr(const char *s, uint16_t port, struct sockaddr_in *ret) {
        memset(ret, 0, sizeof(*ret));
        ret->sin_family = AF_INET;
        ret->sin_port = htons(port);
        return inet_pton(AF_INET, s, &ret->sin_addr) == 1 ? 0 : -EINVAL;
}

/* Sends from a socket bound to src until `seconds` have passed or `limit` datagrams are
 * out (0: no limit); returns the count, or -1 with errno set. */
static long long blast(const struct sockaddr_in *src, const struct sockaddr_in *dst, double seconds,
                       size_t size, unsigned batch, long long limit) {
        static char payload[65507];
        struct iovec iov = { .iov_base = payload, .iov_len = size };
        struct mmsghdr msgs[BLAST_BATCH];
        long long sent = 0;
        double end;
        int fd;

        memset(payload, 'x', size);
        memset(msgs, 0, sizeof(msgs));
        for (size_t i = 0; i < BLAST_BATCH; i++) {
                msgs[i].msg_hdr.msg_name = (void *) dst;
                msgs[i].msg_hdr.msg_namelen = sizeof(*dst);
                msgs[i].msg_hdr.msg_iov = &iov;
                msgs[i].msg_hdr.msg_iovlen = 1;
        }
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        if (bind(fd, (const struct sockaddr *) src, sizeof(*src)) < 0) {
                close(fd);
                return -1;
        }
        end = now_sec() + seconds;
        while ((limit == 0 || sent < limit) && now_sec() < end) {
                unsigned n = batch;
                int r;

                if (limit > 0 && limit - sent < n)
                        n = (unsigned) (limit - sent);
                r = sendmmsg(fd, msgs, n, 0);
                if (r > 0)
                        sent += r;
                else if (r < 0 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
                        break;
        }
        close(fd);
        return sent;
}

static int self_test(void) {
        struct sockaddr_in src, dst;
        socklen_t len = sizeof(dst);
        struct timeval tv = { .tv_sec = 1 };
        char buf[128];
        long long sent = 0;
        int fd, got = 0;

        parse_addr("127.0.0.1", 0, &src);
        parse_addr("127.0.0.1", 0, &dst);
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &dst, sizeof(dst)) < 0 ||
            getsockname(fd, (struct sockaddr *) &dst, &len) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
                perror("udp_blast: self-test socket");
                return 1;
        }
        /* In rounds of 100: the default receive buffer holds about 250 small datagrams. */
        for (int round = 0; round < 10; round++) {
                long long n = blast(&src, &dst, 5.0, 32, BLAST_BATCH, 100);

                if (n < 0) {
                        perror("udp_blast: self-test");
                        return 1;
                }
                sent += n;
                for (int i = 0; i < n && recv(fd, buf, sizeof(buf), 0) == 32; i++)
                        got++;
        }
        close(fd);
        if (sent != 1000 || got != 1000) {
                fprintf(stderr, "udp_blast: self-test sent %lld, received %d of 1000\n", sent, got);
                return 1;
        }
        printf("udp_blast: self-test ok (1000 sent, 1000 received)\n");
        return 0;
}

int main(int argc, char **argv) {
        struct sockaddr_in src, dst;
        char *end;
        long port;
        double seconds;
        long size = 64, batch = BLAST_BATCH;
        long long sent;

        if (argc == 1)
                return self_test();
        if (argc < 5 || argc > 7) {
                fprintf(stderr, "usage: udp_blast SRC DST PORT SECONDS [SIZE [BATCH]]\n");
                return 2;
        }
        port = strtol(argv[3], &end, 10);
        if (*end || port < 1 || port > 65535) {
                fprintf(stderr, "udp_blast: bad port '%s'\n", argv[3]);
                return 2;
        }
        seconds = strtod(argv[4], &end);
        if (*end || !(seconds > 0 && seconds <= 600)) {
                fprintf(stderr, "udp_blast: bad duration '%s' (0-600 s)\n", argv[4]);
                return 2;
        }
        if (argc >= 6) {
                size = strtol(argv[5], &end, 10);
                if (*end || size < 0 || size > 65507) {
                        fprintf(stderr, "udp_blast: bad size '%s' (0-65507)\n", argv[5]);
                        return 2;
                }
        }
        if (argc == 7) {
                batch = strtol(argv[6], &end, 10);
                if (*end || batch < 1 || batch > BLAST_BATCH) {
                        fprintf(stderr, "udp_blast: bad batch '%s' (1-%d)\n", argv[6], BLAST_BATCH);
                        return 2;
                }
        }
        if (parse_addr(argv[1], 0, &src) < 0 || parse_addr(argv[2], (uint16_t) port, &dst) < 0) {
                fprintf(stderr, "udp_blast: SRC and DST are IPv4 addresses\n");
                return 2;
        }
        sent = blast(&src, &dst, seconds, (size_t) size, (unsigned) batch, 0);
        if (sent < 0) {
                perror("udp_blast");
                return 1;
        }
        printf("sent %lld\n", sent);
        return 0;
}
