/* test_sockets.c — classification of inherited fds (what systemd may pass us) and the
 * fallback bind. The address syntax is test_sockaddr.c's; the command line test_cli.c's. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/un.h>

#include "conf.h"
#include "sockets.h"
#include "tests.h"

START_TEST(test_classify) {
        _cleanup_close_ int udp = -EBADF, tcp = -EBADF, tcp_conn = -EBADF, unix_fd = -EBADF;
        SocketKind kind;

        udp = sockets_bind("127.0.0.1:0", SOCK_DGRAM, false);
        ck_assert_int_ge(udp, 0);
        tcp = sockets_bind("127.0.0.1:0", SOCK_STREAM, false);
        ck_assert_int_ge(tcp, 0);
        tcp_conn = socket(AF_INET, SOCK_STREAM, 0);             /* not listening */
        unix_fd = socket(AF_UNIX, SOCK_DGRAM, 0);

        ck_assert_int_eq(sockets_classify(udp, NULL, &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_ECHO);
        ck_assert_int_eq(sockets_classify(udp, "netlabd", &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_ECHO);
        ck_assert_int_eq(sockets_classify(udp, "echo", &kind), 0);
        ck_assert_int_eq(sockets_classify(udp, "http", &kind), -EPROTOTYPE);
        ck_assert_int_eq(sockets_classify(udp, "stamp", &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_STAMP);
        ck_assert_int_eq(sockets_classify(tcp, "stamp", &kind), -EPROTOTYPE);
        ck_assert_int_eq(sockets_classify(tcp, NULL, &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_HTTP);
        ck_assert_int_eq(sockets_classify(tcp, "http", &kind), 0);
        ck_assert_int_eq(sockets_classify(tcp, "echo", &kind), -EPROTOTYPE);
        ck_assert_int_eq(sockets_classify(tcp_conn, NULL, &kind), -EDESTADDRREQ);
        ck_assert_int_eq(sockets_classify(unix_fd, NULL, &kind), -EAFNOSUPPORT);
        ck_assert_int_eq(sockets_classify(0x7ffff, NULL, &kind), -EBADF);
}
END_TEST

/* All fds of one .socket unit share its name: a datagram socket on port 862 is STAMP's,
 * unless FileDescriptorName=echo says otherwise. Binding 862 needs root. */
START_TEST(test_classify_stamp_port) {
        _cleanup_close_ int udp = -EBADF;
        SocketKind kind;

        udp = sockets_bind("127.0.0.1:862", SOCK_DGRAM, false);
        if (udp == -EACCES || udp == -EADDRINUSE)
                return;                 /* unprivileged, or a STAMP responder runs here */
        ck_assert_int_ge(udp, 0);
        ck_assert_int_eq(sockets_classify(udp, NULL, &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_STAMP);
        ck_assert_int_eq(sockets_classify(udp, "netlabd.socket", &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_STAMP);
        ck_assert_int_eq(sockets_classify(udp, "echo", &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_ECHO);
}
END_TEST

START_TEST(test_bind) {
        _cleanup_close_ int a = -EBADF, b = -EBADF;
        SockAddr sa;
        socklen_t sa_len = sizeof(sa);
        char addr[64];

        ck_assert_int_eq(sockets_bind("nonsense", SOCK_DGRAM, false), -EINVAL);
        a = sockets_bind("127.0.0.1:0", SOCK_DGRAM, false);
        ck_assert_int_ge(a, 0);
        ck_assert_int_eq(getsockname(a, &sa.sa, &sa_len), 0);
        snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.in.sin_port));
        ck_assert_int_eq(sockets_bind(addr, SOCK_DGRAM, false), -EADDRINUSE);
        b = sockets_bind("[::]:0", SOCK_STREAM, false);        /* dual-stack, or v4 fallback */
        ck_assert_int_ge(b, 0);
}
END_TEST

/* "[::]:P" and "0.0.0.0:P" in one list: both bind, [::] as IPv6 only. */
START_TEST(test_bind_all_v4_and_v6_wildcards) {
        SockAddr sa;
        socklen_t sa_len = sizeof(sa);
        SocketSet set = {};
        const char *bad = NULL;
        char *listen[3] = {};
        int fd, r;

        /* A port the kernel just handed out is free for both wildcards. */
        fd = sockets_bind("0.0.0.0:0", SOCK_DGRAM, false);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(getsockname(fd, &sa.sa, &sa_len), 0);
        ck_assert_int_ge(asprintf(&listen[0], "[::]:%u", ntohs(sa.in.sin_port)), 0);
        ck_assert_int_ge(asprintf(&listen[1], "0.0.0.0:%u", ntohs(sa.in.sin_port)), 0);
        safe_close(fd);

        r = sockets_bind_list(listen, SOCK_DGRAM, SOCKET_KIND_ECHO, &set, &bad);
        free(listen[0]);
        free(listen[1]);

        ck_assert_msg(r == 0, "bind_all: %d at '%s'", r, bad ?: "");
        ck_assert_uint_eq(set.n_fds[SOCKET_KIND_ECHO], 2);
        sockets_set_done(&set);
}
END_TEST

START_TEST(test_activation_none) {
        SocketSet set = {};

        unsetenv("LISTEN_FDS");
        ck_assert_int_eq(sockets_from_activation(&set, NULL), 0);
        ck_assert(!set.activated);
}
END_TEST

static Suite *sockets_suite(void) {
        Suite *s = suite_create("sockets");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_classify);
        tcase_add_test(tc, test_classify_stamp_port);
        tcase_add_test(tc, test_bind);
        tcase_add_test(tc, test_bind_all_v4_and_v6_wildcards);
        tcase_add_test(tc, test_activation_none);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(sockets_suite)
