/* test_sockets.c — classification of inherited fds (what systemd may pass us) and the
 * fallback bind; plus netlabd's command line. The address syntax is test_sockaddr.c's. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/un.h>

#include "cli.h"
#include "conf.h"
#include "sockets.h"

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
        ck_assert_int_eq(sockets_classify(tcp, NULL, &kind), 0);
        ck_assert_int_eq(kind, SOCKET_KIND_HTTP);
        ck_assert_int_eq(sockets_classify(tcp, "http", &kind), 0);
        ck_assert_int_eq(sockets_classify(tcp, "echo", &kind), -EPROTOTYPE);
        ck_assert_int_eq(sockets_classify(tcp_conn, NULL, &kind), -EDESTADDRREQ);
        ck_assert_int_eq(sockets_classify(unix_fd, NULL, &kind), -EAFNOSUPPORT);
        ck_assert_int_eq(sockets_classify(0x7ffff, NULL, &kind), -EBADF);
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

static const struct {
        const char *argv[5];
        int r;
        const char *config;
        bool explicit_, test, verbose, version, help;
} cli_cases[] = {
        { { "netlabd" }, 0, CONF_DEFAULT_PATH, false, false, false, false, false },
        { { "netlabd", "-c", "/x.conf", "-t" }, 0, "/x.conf", true, true, false, false, false },
        { { "netlabd", "--config=/y", "--verbose" }, 0, "/y", true, false, true, false, false },
        { { "netlabd", "--test", "--config", "/z" }, 0, "/z", true, true, false, false, false },
        { { "netlabd", "-V" }, 0, CONF_DEFAULT_PATH, false, false, false, true, false },
        { { "netlabd", "-h" }, 0, CONF_DEFAULT_PATH, false, false, false, false, true },
        { { "netlabd", "-x" }, -EINVAL },
        { { "netlabd", "--bogus" }, -EINVAL },
        { { "netlabd", "-c" }, -EINVAL },
        { { "netlabd", "-c", "" }, -EINVAL },
        { { "netlabd", "stray" }, -EINVAL },
};

START_TEST(test_cli) {
        char *argv[6] = {};
        int argc = 0;
        CliArgs a;
        int r;

        for (; cli_cases[_i].argv[argc]; argc++)
                argv[argc] = (char *) cli_cases[_i].argv[argc];
        r = cli_parse(argc, argv, &a);
        ck_assert_int_eq(r, cli_cases[_i].r);
        if (r < 0)
                return;
        ck_assert_str_eq(a.config_path, cli_cases[_i].config);
        ck_assert_int_eq(a.config_explicit, cli_cases[_i].explicit_);
        ck_assert_int_eq(a.test_only, cli_cases[_i].test);
        ck_assert_int_eq(a.verbose, cli_cases[_i].verbose);
        ck_assert_int_eq(a.version, cli_cases[_i].version);
        ck_assert_int_eq(a.help, cli_cases[_i].help);
}
END_TEST

int main(void) {
        Suite *s = suite_create("sockets");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_classify);
        tcase_add_test(tc, test_bind);
        tcase_add_test(tc, test_bind_all_v4_and_v6_wildcards);
        tcase_add_test(tc, test_activation_none);
        tcase_add_loop_test(tc, test_cli, 0, ELEMENTSOF(cli_cases));
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
