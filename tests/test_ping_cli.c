/* test_ping_cli.c — table tests for src/ping/ping_cli.c: every flag into PingCliArgs,
 * ping's defaults (-w without -c, -f without -i), --stamp's mode, size and port rules,
 * each usage error and its message, and the HOST[:PORT] / URL splitters. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"
#include "ping.h"
#include "ping_cli.h"
#include "ping_stamp.h"
#include "tests.h"

#define MAX_ARGS 12

static int parse(const char *const *words, PingCliArgs *ret, char *msg, size_t msg_size) {
        char *argv[MAX_ARGS + 2] = { (char *) "netlab-ping" };
        int argc = 1;

        for (; words[argc - 1]; argc++)
                argv[argc] = (char *) words[argc - 1];
        return ping_cli_parse(argc, argv, ret, msg, msg_size);
}

START_TEST(test_defaults) {
        PingCliArgs a;
        char msg[PING_CLI_ERROR_MAX];

        ck_assert_int_eq(parse((const char *[]) { "127.0.0.1", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_int_eq(a.mode, PING_MODE_UDP);
        ck_assert_uint_eq(a.count, PING_DEFAULT_COUNT);
        ck_assert(!a.count_set);
        ck_assert_uint_eq(a.interval, NSEC_PER_SEC);
        ck_assert_uint_eq(a.timeout, NSEC_PER_SEC);
        ck_assert_uint_eq(a.deadline, 0);
        ck_assert_uint_eq(a.size, PING_SIZE_DEFAULT);
        ck_assert_uint_eq(a.port, 0);
        ck_assert_int_eq(a.family, AF_UNSPEC);
        ck_assert_uint_eq(a.histogram_bins, 0);
        ck_assert_str_eq(a.target, "127.0.0.1");
        ck_assert_ptr_null(a.url);
}
END_TEST

START_TEST(test_every_flag) {
        PingCliArgs a;
        char msg[PING_CLI_ERROR_MAX];

        ck_assert_int_eq(parse((const char *[]) { "-c", "5", "-i", "200ms", "-W", "0.5", "-w", "3", "-s", "100",
                                                  "-p", "9000", NULL }, &a, msg, sizeof(msg)), -EINVAL);
        ck_assert_str_eq(msg, "No HOST given");
        ck_assert_int_eq(parse((const char *[]) { "-c", "5", "-i", "200ms", "-W", "0.5", "-w", "3", "-s", "100",
                                                  "-p", "9000", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_uint_eq(a.count, 5);
        ck_assert(a.count_set);
        ck_assert_uint_eq(a.interval, 200 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.timeout, 500 * NSEC_PER_MSEC);
        ck_assert_uint_eq(a.deadline, 3 * NSEC_PER_SEC);
        ck_assert_uint_eq(a.size, 100);
        ck_assert_uint_eq(a.port, 9000);

        ck_assert_int_eq(parse((const char *[]) { "-6", "-q", "-D", "-v", "--json-lines", "--histogram=7", "h", NULL },
                               &a, msg, sizeof(msg)), 0);
        ck_assert_int_eq(a.family, AF_INET6);
        ck_assert(a.quiet && a.timestamps && a.verbose && a.json_lines && !a.json);
        ck_assert_uint_eq(a.histogram_bins, 7);

        ck_assert_int_eq(parse((const char *[]) { "-4", "--json", "--histogram", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_int_eq(a.family, AF_INET);
        ck_assert(a.json);
        ck_assert_uint_eq(a.histogram_bins, PING_HISTOGRAM_BINS_DEFAULT);

        ck_assert_int_eq(parse((const char *[]) { "--keep-alive", "--http", "http://x/", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_int_eq(a.mode, PING_MODE_HTTP);
        ck_assert(a.keep_alive);
        ck_assert_str_eq(a.url, "http://x/");
        ck_assert_ptr_null(a.target);

        ck_assert_int_eq(parse((const char *[]) { "-h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert(a.help);
        ck_assert_int_eq(parse((const char *[]) { "--version", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert(a.version);
}
END_TEST

START_TEST(test_stamp) {
        PingCliArgs a;
        char msg[PING_CLI_ERROR_MAX];

        /* --stamp: STAMP mode, its own default size (base + Direct Measurement TLV) */
        ck_assert_int_eq(parse((const char *[]) { "--stamp", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_int_eq(a.mode, PING_MODE_STAMP);
        ck_assert_uint_eq(a.size, PING_STAMP_SIZE_DEFAULT);
        ck_assert_uint_eq(a.size, 60);
        ck_assert_uint_eq(a.port, 0);           /* main() picks STAMP_PORT */
        ck_assert_str_eq(a.target, "h");
        ck_assert_ptr_null(a.url);

        /* -s below the probe header only with --stamp, in either order */
        ck_assert_int_eq(parse((const char *[]) { "-s", "44", "--stamp", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_uint_eq(a.size, STAMP_BASE_SIZE);
        ck_assert_int_eq(parse((const char *[]) { "--stamp", "-s", "48", "-p", "8620", "h", NULL }, &a, msg,
                               sizeof(msg)), 0);
        ck_assert_uint_eq(a.size, 48);
        ck_assert_uint_eq(a.port, 8620);
        ck_assert_int_eq(parse((const char *[]) { "--stamp", "-s", "64", "--json-lines", "h", NULL }, &a, msg,
                               sizeof(msg)), 0);
        ck_assert_uint_eq(a.size, 64);
        ck_assert(a.json_lines);
        ck_assert_int_eq(a.mode, PING_MODE_STAMP);
}
END_TEST

START_TEST(test_ping_defaults) {
        PingCliArgs a;
        char msg[PING_CLI_ERROR_MAX];

        /* ping -w without -c: until the deadline */
        ck_assert_int_eq(parse((const char *[]) { "-w", "2", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_uint_eq(a.count, 0);
        ck_assert_int_eq(parse((const char *[]) { "-w", "2", "-c", "3", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_uint_eq(a.count, 3);
        /* -f without -i: the flood interval; with -i: as given */
        ck_assert_int_eq(parse((const char *[]) { "-f", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_uint_eq(a.interval, PING_FLOOD_INTERVAL);
        ck_assert_int_eq(parse((const char *[]) { "-f", "-i", "0.5", "h", NULL }, &a, msg, sizeof(msg)), 0);
        ck_assert_uint_eq(a.interval, 500 * NSEC_PER_MSEC);
}
END_TEST

static const struct {
        const char *argv[6];
        const char *message;
} error_cases[] = {
        { { "-c", "x", "h" }, "Invalid count 'x'" },
        { { "-i", "0", "h" }, "Invalid interval value '0'" },
        { { "-W", "0", "h" }, "Invalid timeout value '0': -W 0 would count every reply as late; give a time such as -W 0.001" },
        { { "-W", "-1", "h" }, "Invalid timeout value '-1'" },
        { { "-w", "soon", "h" }, "Invalid deadline value 'soon'" },
        { { "-s", "10", "h" }, "Invalid size '10': must be 64..65507 bytes (the probe header is 64)" },
        { { "-s", "44", "h" }, "Invalid size '44': must be 64..65507 bytes (the probe header is 64)" },
        { { "--stamp", "-s", "43", "h" }, "Invalid size '43': must be 64..65507 bytes (the probe header is 64)" },
        { { "--stamp", "-s", "45", "h" },
          "Invalid STAMP size '45': 44 (base), 48..59 (padding), 60 (Direct Measurement) or 64 and more" },
        { { "-s", "61", "--stamp", "h" },
          "Invalid STAMP size '61': 44 (base), 48..59 (padding), 60 (Direct Measurement) or 64 and more" },
        { { "--stamp", "--http", "http://x/" }, "--stamp and --http are exclusive" },
        { { "-p", "70000", "h" }, "Invalid port '70000'" },
        { { "--histogram=0", "h" }, "Invalid histogram bin count '0': must be 1..200" },
        { { "-c" }, "Option '-c' needs a value" },
        { { "--bogus", "h" }, "Unknown option '--bogus'" },
        { { "--json", "--json-lines", "h" }, "--json and --json-lines are exclusive" },
        { { "--keep-alive", "h" }, "--keep-alive needs --http URL" },
        { { "--http", "http://x/", "h" }, "--http URL takes no HOST argument" },
        { { "a", "b" }, "Too many arguments: 'b'" },
        { {}, "No HOST given" },
};

START_TEST(test_errors) {
        PingCliArgs a = { .count = 12345 };
        char msg[PING_CLI_ERROR_MAX] = "";

        ck_assert_int_eq(parse(error_cases[_i].argv, &a, msg, sizeof(msg)), -EINVAL);
        ck_assert_str_eq(msg, error_cases[_i].message);
        ck_assert_uint_eq(a.count, 12345);      /* *ret untouched on failure */
}
END_TEST

START_TEST(test_wants_json) {
        char *v1[] = { (char *) "netlab-ping", (char *) "-c", (char *) "x", (char *) "--json", NULL };
        char *v2[] = { (char *) "netlab-ping", (char *) "--", (char *) "--json", NULL };

        ck_assert(ping_cli_wants_json(4, v1));
        ck_assert(!ping_cli_wants_json(3, v2));
}
END_TEST

static const struct {
        const char *in;
        int r;
        const char *host;
        unsigned port;
} host_cases[] = {
        { "localhost", 0, "localhost", 0 },
        { "127.0.0.1:9000", 0, "127.0.0.1", 9000 },
        { "[::1]:8080", 0, "::1", 8080 },
        { "[::1]", 0, "::1", 0 },
        { "::1", 0, "::1", 0 },
        { "::1:8080", 0, "::1:8080", 0 },       /* valid IPv6: see the hint below */
        { "host:0", -EINVAL, NULL, 0 },
        { "host:x", -EINVAL, NULL, 0 },
        { ":80", -EINVAL, NULL, 0 },
        { "[::1", -EINVAL, NULL, 0 },
        { "[::1]x", -EINVAL, NULL, 0 },
};

START_TEST(test_split_host_port) {
        char *host = NULL;
        unsigned port = 77;

        ck_assert_int_eq(ping_cli_split_host_port(host_cases[_i].in, &host, &port), host_cases[_i].r);
        if (host_cases[_i].r == 0) {
                ck_assert_str_eq(host, host_cases[_i].host);
                ck_assert_uint_eq(port, host_cases[_i].port);
        } else
                ck_assert_ptr_null(host);
        free(host);
}
END_TEST

START_TEST(test_v6_hint) {
        ck_assert(ping_cli_looks_like_v6_with_port("::1:8080"));
        ck_assert(ping_cli_looks_like_v6_with_port("fe80::1:80"));
        ck_assert(!ping_cli_looks_like_v6_with_port("::1"));
        ck_assert(!ping_cli_looks_like_v6_with_port("::ffff"));
        ck_assert(!ping_cli_looks_like_v6_with_port("localhost"));
        ck_assert(!ping_cli_looks_like_v6_with_port("host:80"));
}
END_TEST

static const struct {
        const char *url;
        int r;
        const char *host, *header, *path;
        unsigned port;
} url_cases[] = {
        { "http://127.0.0.1:8080/a/b?q=1#frag", 0, "127.0.0.1", "127.0.0.1:8080", "/a/b?q=1", 8080 },
        { "HTTP://example", 0, "example", "example", "/", 80 },
        { "http://h?q", 0, "h", "h", "/?q", 80 },
        { "http://[::1]:81/", 0, "::1", "[::1]:81", "/", 81 },
        { "https://h/", -EPROTONOSUPPORT, NULL, NULL, NULL, 0 },
        { "http:///x", -EINVAL, NULL, NULL, NULL, 0 },
        { "http://u:p@h/", -EINVAL, NULL, NULL, NULL, 0 },
        { "http://h:99999/", -EINVAL, NULL, NULL, NULL, 0 },
};

START_TEST(test_split_url) {
        char *host = NULL, *header = NULL, *path = NULL;
        unsigned port = 0;

        ck_assert_int_eq(ping_cli_split_url(url_cases[_i].url, &host, &header, &port, &path), url_cases[_i].r);
        if (url_cases[_i].r == 0) {
                ck_assert_str_eq(host, url_cases[_i].host);
                ck_assert_str_eq(header, url_cases[_i].header);
                ck_assert_str_eq(path, url_cases[_i].path);
                ck_assert_uint_eq(port, url_cases[_i].port);
        }
        free(host);
        free(header);
        free(path);
}
END_TEST

START_TEST(test_help_lists_flags) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        ping_cli_help(f);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(text, "--histogram[=N]"));
        ck_assert_ptr_nonnull(strstr(text, "--json-lines"));
        ck_assert_ptr_nonnull(strstr(text, "--stamp"));
        free(text);
}
END_TEST

static Suite *cli_suite(void) {
        Suite *su = suite_create("ping_cli");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_every_flag);
        tcase_add_test(tc, test_stamp);
        tcase_add_test(tc, test_ping_defaults);
        tcase_add_loop_test(tc, test_errors, 0, ELEMENTSOF(error_cases));
        tcase_add_test(tc, test_wants_json);
        tcase_add_loop_test(tc, test_split_host_port, 0, ELEMENTSOF(host_cases));
        tcase_add_test(tc, test_v6_hint);
        tcase_add_loop_test(tc, test_split_url, 0, ELEMENTSOF(url_cases));
        tcase_add_test(tc, test_help_lists_flags);
        suite_add_tcase(su, tc);
        return su;
}

TEST_MAIN(cli_suite)
