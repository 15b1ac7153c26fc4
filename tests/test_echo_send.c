/* test_echo_send.c — the echo's send batch (src/daemon/echo_send.c) without a socket:
 * a batch holds datagrams for one socket up to ECHO_SEND_MAX, and echo_send_build_gso()
 * groups runs to one peer with one length into UDP GSO messages within the segment,
 * byte and segment-size limits. */
#include <check.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>

#include "echo_send.h"
#include "macro.h"

static uint8_t payload[ECHO_SEND_GSO_BYTES_MAX];
static SockAddr peers[2];
static EchoSend batch;

static void setup_peers(void) {
        for (size_t i = 0; i < ELEMENTSOF(peers); i++)
                peers[i] = (SockAddr) {
                        .in = {
                                .sin_family = AF_INET,
                                .sin_port = htons((uint16_t) (40000 + i)),
                                .sin_addr.s_addr = htonl(0x7f000001),
                        },
                };
}

START_TEST(test_add_limits) {
        EchoSend *b = &batch;

        setup_peers();
        *b = (EchoSend) {};
        for (size_t i = 0; i < ECHO_SEND_MAX; i++)
                ck_assert(echo_send_add(b, 1, payload, 10, &peers[0], sizeof(struct sockaddr_in), NULL));
        ck_assert(!echo_send_add(b, 1, payload, 10, &peers[0], sizeof(struct sockaddr_in), NULL));    /* full */
        ck_assert_uint_eq(b->n, ECHO_SEND_MAX);

        *b = (EchoSend) {};
        ck_assert(echo_send_add(b, 1, payload, 10, &peers[0], sizeof(struct sockaddr_in), NULL));
        ck_assert(!echo_send_add(b, 0, payload, 10, &peers[0], sizeof(struct sockaddr_in), NULL));    /* other socket */
        ck_assert_uint_eq(b->n, 1);
}
END_TEST

/* Each case: the datagrams (length, peer index) in batch order, and the expected message
 * sizes (datagrams per message). */
static const struct {
        size_t n;
        size_t len[8];
        unsigned peer[8];
        size_t n_msgs;
        size_t per_msg[8];
} gso_cases[] = {
        { 1, { 64 }, { 0 }, 1, { 1 } },
        { 4, { 64, 64, 64, 64 }, { 0, 0, 0, 0 }, 1, { 4 } },
        { 4, { 64, 64, 32, 32 }, { 0, 0, 0, 0 }, 2, { 2, 2 } },                 /* length changes */
        { 4, { 64, 64, 64, 64 }, { 0, 1, 1, 0 }, 3, { 1, 2, 1 } },              /* peer changes */
        { 3, { ECHO_SEND_GSO_SIZE_MAX, ECHO_SEND_GSO_SIZE_MAX, ECHO_SEND_GSO_SIZE_MAX }, { 0, 0, 0 }, 1, { 3 } },
        { 2, { ECHO_SEND_GSO_SIZE_MAX + 1, ECHO_SEND_GSO_SIZE_MAX + 1 }, { 0, 0 }, 2, { 1, 1 } },
        { 3, { 0, 0, 0 }, { 0, 0, 0 }, 3, { 1, 1, 1 } },                        /* empty datagrams */
};

START_TEST(test_gso_groups) {
        EchoSend *b = &batch;
        size_t k;

        setup_peers();
        *b = (EchoSend) {};
        for (size_t i = 0; i < gso_cases[_i].n; i++)
                ck_assert(echo_send_add(b, 0, payload, gso_cases[_i].len[i], &peers[gso_cases[_i].peer[i]],
                                        sizeof(struct sockaddr_in), NULL));

        k = echo_send_build_gso(b);
        ck_assert_uint_eq(k, gso_cases[_i].n_msgs);
        for (size_t m = 0, first = 0; m < k; m++) {
                struct msghdr *h = &b->gso[m].msg_hdr;

                ck_assert_uint_eq(h->msg_iovlen, gso_cases[_i].per_msg[m]);
                ck_assert_uint_eq(b->gso_first[m], first);
                ck_assert_ptr_eq(h->msg_iov, &b->iov[first]);
                if (h->msg_iovlen > 1) {
                        struct cmsghdr *c = CMSG_FIRSTHDR(h);
                        uint16_t seg;

                        ck_assert_ptr_nonnull(c);
                        ck_assert_int_eq(c->cmsg_level, SOL_UDP);
                        memcpy(&seg, CMSG_DATA(c), sizeof(seg));
                        ck_assert_uint_eq(seg, gso_cases[_i].len[first]);
                } else
                        ck_assert_uint_eq(h->msg_controllen, 0);
                first += h->msg_iovlen;
        }
}
END_TEST

/* Long runs split at ECHO_SEND_GSO_SEGMENTS_MAX segments and ECHO_SEND_GSO_BYTES_MAX bytes. */
START_TEST(test_gso_run_limits) {
        EchoSend *b = &batch;
        size_t k;

        setup_peers();
        *b = (EchoSend) {};
        for (size_t i = 0; i < ECHO_SEND_MAX; i++)     /* 128 x 40 bytes: the segment limit */
                ck_assert(echo_send_add(b, 0, payload, 40, &peers[0], sizeof(struct sockaddr_in), NULL));
        k = echo_send_build_gso(b);
        ck_assert_uint_eq(k, 2);
        ck_assert_uint_eq(b->gso_n[0], ECHO_SEND_GSO_SEGMENTS_MAX);
        ck_assert_uint_eq(b->gso_n[1], ECHO_SEND_MAX - ECHO_SEND_GSO_SEGMENTS_MAX);

        *b = (EchoSend) {};
        for (size_t i = 0; i < 60; i++)                 /* 60 x 1200 bytes: the byte limit */
                ck_assert(echo_send_add(b, 0, payload, 1200, &peers[0], sizeof(struct sockaddr_in), NULL));
        k = echo_send_build_gso(b);
        ck_assert_uint_eq(b->gso_n[0], ECHO_SEND_GSO_BYTES_MAX / 1200);
        ck_assert_uint_eq(k, 2);
        ck_assert_uint_eq(b->gso_n[1], 60 - ECHO_SEND_GSO_BYTES_MAX / 1200);
}
END_TEST

static Suite *echo_send_suite(void) {
        Suite *s = suite_create("echo_send");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_add_limits);
        tcase_add_loop_test(tc, test_gso_groups, 0, ELEMENTSOF(gso_cases));
        tcase_add_test(tc, test_gso_run_limits);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(echo_send_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
