/* test_conf.c — the configuration loader: defaults, every key type, every validation
 * error with its line number and message, and a corpus of broken files that must be
 * refused cleanly (never crash, always a line and a message); and daemon_load_conf(), the
 * one loader of start-up and reload, with what it logs. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "rng.h"
#include "tests.h"

static char tmpdir[] = "/tmp/netlab-test-conf.XXXXXX";

static char *write_file(const char *name, const char *content) {
        static char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(tmpdir, "/tmp/netlab-test-conf.XXXXXX");
}

START_TEST(test_defaults) {
        _cleanup_(conf_unrefp) Conf *c = NULL;

        ck_assert_int_eq(conf_new_default(&c), 0);
        ck_assert_int_eq(c->log_level, LOG_INFO);
        ck_assert(c->echo.enabled);
        ck_assert_str_eq(c->echo.listen[0], "[::]:8080");
        ck_assert_ptr_null(c->echo.listen[1]);
        ck_assert(c->echo.loss == 0.0);
        ck_assert_int_eq(c->echo.max_payload, 65507);
        ck_assert(!c->echo.allow_low_ports);
        ck_assert_str_eq(c->http.index, "index.html");
        ck_assert_str_eq(c->http.metrics_path, "/metrics");
        ck_assert_ptr_null(c->http.status_allow);
        ck_assert_int_eq(c->n_ref, 1);
        ck_assert_ptr_eq(conf_ref(c), c);
        ck_assert_int_eq(c->n_ref, 2);
        ck_assert_ptr_null(conf_unref(c));
        ck_assert_int_eq(c->n_ref, 1);
}
END_TEST

START_TEST(test_full_file) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_free_ char *msg = NULL;
        unsigned line = 0;
        char expect_root[300];
        const char *path = write_file("full.conf",
                "log_level = \"debug\";\n"
                "shutdown_timeout = \"250ms\";\n"
                "echo = {\n"
                "  listen = [\"127.0.0.1:9000\", \"[::1]:9000\"];\n"
                "  loss = \"30%\";\n"
                "  loss_model = \"gilbert-elliott\";\n"
                "  ge_p = 0.05; ge_r = 0.5; ge_loss_good = 0; ge_loss_bad = 0.9;\n"
                "  delay = 10; jitter = 2.5; distribution = \"normal\";\n"
                "  duplicate = 0.01; reorder = 0.02; reorder_gap = 5;\n"
                "  max_queue = 100; rate_limit = 50; rate_burst = 10;\n"
                "  allow_low_ports = true; seed = 42; max_payload = 1500;\n"
                "  lab_compat = true; max_flows = 1000;\n"
                "};\n"
                "http = {\n"
                "  enabled = false; listen = \"*:8081\"; root = \"www\"; index = \"home.html\";\n"
                "  autoindex = true; show_hidden = true; server_header = \"\"; access_log = false;\n"
                "  max_request_line = 1024; max_header_size = 4096; max_headers = 10; max_body = 0;\n"
                "  header_timeout = 2; keepalive_timeout = \"1min\"; send_timeout = 0.5;\n"
                "  max_connections = 10; metrics_path = \"\"; status_path = \"/s\";\n"
                "  status_allow = [\"127.0.0.0/8\", \"::1\"];\n"
                "};\n");

        ck_assert_int_eq(conf_load(path, &c, &line, &msg), 0);
        ck_assert_int_eq(c->log_level, LOG_DEBUG);
        ck_assert_uint_eq(c->shutdown_timeout_usec, 250 * USEC_PER_MSEC);
        ck_assert_str_eq(c->echo.listen[1], "[::1]:9000");
        ck_assert(c->echo.loss > 0.2999 && c->echo.loss < 0.3001);
        ck_assert_int_eq(c->echo.loss_model, LOSS_MODEL_GILBERT_ELLIOTT);
        ck_assert(c->echo.ge_loss_bad == 0.9);
        ck_assert_uint_eq(c->echo.delay_usec, 10000);
        ck_assert_uint_eq(c->echo.jitter_usec, 2500);
        ck_assert_int_eq(c->echo.distribution, DELAY_DIST_NORMAL);
        ck_assert_uint_eq(c->echo.reorder_gap, 5);
        ck_assert(c->echo.rate_limit == 50.0);
        ck_assert(c->echo.allow_low_ports);
        ck_assert_uint_eq(c->echo.seed, 42);
        ck_assert(c->echo.lab_compat);
        ck_assert(!c->http.enabled);
        ck_assert_str_eq(c->http.listen[0], "*:8081");
        snprintf(expect_root, sizeof(expect_root), "%s/www", tmpdir);
        ck_assert_str_eq(c->http.root, expect_root);    /* relative to the file */
        ck_assert_str_eq(c->http.server_header, "");
        ck_assert_uint_eq(c->http.keepalive_timeout_usec, 60 * USEC_PER_SEC);
        ck_assert_uint_eq(c->http.send_timeout_usec, 500 * USEC_PER_MSEC);
        ck_assert_uint_eq(c->http.max_body, 0);
        ck_assert_str_eq(c->http.metrics_path, "");
        ck_assert_str_eq(c->http.status_allow[1], "::1");
        ck_assert_ptr_null(msg);
}
END_TEST

/* Each bad file: the exact line and a fragment of the message. */
static const struct {
        const char *content;
        unsigned line;
        const char *msg;
} bad_cases[] = {
        { "echo = {\n  los = 0.3;\n};\n", 2, "unknown key 'echo.los', did you mean 'loss'?" },
        { "nonsense_key = 1;\n", 1, "unknown key 'nonsense_key'" },
        { "echo = { loss = 1.5; };\n", 1, "'echo.loss' is 1.5, allowed range is 0..1" },
        { "echo = { loss = -0.1; };\n", 1, "'echo.loss' is -0.1" },
        { "echo = { loss = \"150%\"; };\n", 1, "not a probability" },
        { "echo = { loss = true; };\n", 1, "'echo.loss' must be a number" },
        { "\n\necho = { loss_model = \"bursty\"; };\n", 3, "must be one of \"random\", \"gilbert-elliott\"" },
        { "echo = { distribution = 3; };\n", 1, "'echo.distribution' must be one of" },
        { "echo = { delay = 60001; };\n", 1, "'echo.delay' is 60001ms, allowed range is 0..60000ms" },
        { "echo = { delay = \"10 parsecs\"; };\n", 1, "is not a duration" },
        { "echo = { jitter = [1]; };\n", 1, "'echo.jitter' must be a duration" },
        { "echo = { max_payload = 65508; };\n", 1, "'echo.max_payload' is 65508, allowed range is 1..65507" },
        { "echo = { max_payload = 1.5; };\n", 1, "must be an integer" },
        { "echo = { max_queue = 0; };\n", 1, "'echo.max_queue' is 0" },
        { "echo = { allow_low_ports = 1; };\n", 1, "'echo.allow_low_ports' must be true or false" },
        { "echo = { listen = [\"localhost:80\"]; };\n", 1, "invalid entry 'localhost:80'" },
        { "echo = { listen = [\"::1:80\"]; };\n", 1, "invalid entry '::1:80'" },
        { "echo = { listen = [\"127.0.0.1:65536\"]; };\n", 1, "invalid entry" },
        { "echo = { listen = []; };\n", 1, "must not be empty" },
        { "echo = { listen = [1, 2]; };\n", 1, "must contain only strings" },
        { "echo = 5;\n", 1, "'echo' must be a group" },
        { "echo = { loss_model = \"gilbert-elliott\";\n ge_p = 0.1;\n ge_r = 0;\n};\n", 3, "'echo.ge_r' must be > 0" },
        { "http = {\n root = \"\";\n};\n", 2, "'http.root' must not be empty" },
        { "http = { index = \"../x\"; };\n", 1, "'http.index' must be a plain file name" },
        { "http = { metrics_path = \"metrics\"; };\n", 1, "must start with '/'" },
        { "http = { metrics_path = \"/m\"; status_path = \"/m\"; };\n", 1, "must differ" },
        { "http = { status_allow = [\"10.0.0.0/33\"]; };\n", 1, "invalid entry '10.0.0.0/33'" },
        { "http = { status_allow = [\"example.org\"]; };\n", 1, "invalid entry" },
        { "http = { server_header = \"a\\nb\"; };\n", 1, "control character" },
        { "http = { max_connections = 0; };\n", 1, "'http.max_connections' is 0" },
        { "http = { header_timeout = 0; };\n", 1, "'http.header_timeout' is 0s" },
        { "http = { max_headers = 100000000000; };\n", 1, "allowed range is 1..256" },
        { "log_level = \"loud\";\n", 1, "'log_level' must be one of" },
        { "log_level = \"emerg\";\n", 1, "'log_level' must be one of" },
        { "echo = { loss = 0.3 \n", 2, "syntax error" },
        { "echo = { loss = 0.3; };\necho = { delay = 1; };\n", 2, "" },    /* duplicate group */
        { "\"quoted\" = 1;\n", 1, "syntax error" },
        { "@include \"/nonexistent/file.conf\"\n", 1, "" },
};

START_TEST(test_bad_table) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_free_ char *msg = NULL;
        unsigned line = 999;
        const char *path = write_file("bad.conf", bad_cases[_i].content);
        int r;

        r = conf_load(path, &c, &line, &msg);
        ck_assert_msg(r == -EBADMSG, "case %d: r=%d", _i, r);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(msg);
        ck_assert_msg(line == bad_cases[_i].line, "case %d: line %u, want %u (%s)", _i, line,
                      bad_cases[_i].line, msg);
        ck_assert_msg(strstr(msg, bad_cases[_i].msg), "case %d: message '%s' lacks '%s'", _i, msg,
                      bad_cases[_i].msg);
}
END_TEST

START_TEST(test_missing_file) {
        Conf *c = NULL;
        unsigned line = 7;
        char *msg = NULL;

        ck_assert_int_eq(conf_load("/nonexistent/netlab.conf", &c, &line, &msg), -ENOENT);
        ck_assert_ptr_null(c);
        ck_assert_uint_eq(line, 7);     /* reterr_* untouched when not a content error */
        ck_assert_ptr_null(msg);
}
END_TEST

/* daemon_load_conf(): start-up and reload share one loader; what it logs goes to
 * stderr, captured here into @log. */
static int load_logged(const char *path, bool path_explicit, bool reload, Conf **ret, char *log, size_t size) {
        char *p = write_file("stderr.txt", "");
        int saved = dup(STDERR_FILENO), fd, r;
        FILE *f;
        size_t n;

        log_setup(NULL, false, false);
        fflush(stderr);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        close(fd);
        r = daemon_load_conf(path, path_explicit, reload, ret);
        fflush(stderr);
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);

        f = fopen(p, "re");
        ck_assert_ptr_nonnull(f);
        n = fread(log, 1, size - 1, f);
        log[n] = '\0';
        fclose(f);
        return r;
}

static const struct {
        const char *content;            /* NULL: the file does not exist */
        bool explicit_, reload;
        int r;
        const char *log;                /* a substring of what was logged, "" for nothing */
} load_cases[] = {
        { "echo = { loss = 0.5; };\n", false, false, 0, "" },
        { NULL, false, false, 0, "not found, using built-in defaults" },
        { NULL, false, true, 0, "not found, using built-in defaults" },
        { NULL, true, false, -ENOENT, "netlab.conf: cannot read configuration: No such file or directory" },
        { NULL, true, true, -ENOENT, "No such file or directory; keeping the previous configuration" },
        { "echo = { loss = 7; };\n", true, false, -EBADMSG, "netlab.conf:1: 'echo.loss' is 7, allowed range is 0..1\n" },
        { "echo = { loss = 7; };\n", false, true, -EBADMSG,
          "netlab.conf:1: 'echo.loss' is 7, allowed range is 0..1; keeping the previous configuration\n" },
};

START_TEST(test_daemon_load_table) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        char log[1024], path[300];
        int r;

        if (load_cases[_i].content)
                snprintf(path, sizeof(path), "%s", write_file("netlab.conf", load_cases[_i].content));
        else
                snprintf(path, sizeof(path), "%s/netlab.conf", tmpdir);
        r = load_logged(path, load_cases[_i].explicit_, load_cases[_i].reload, &c, log, sizeof(log));
        ck_assert_int_eq(r, load_cases[_i].r);
        ck_assert(r < 0 ? !c : !!c);
        if (load_cases[_i].log[0])
                ck_assert_msg(strstr(log, load_cases[_i].log), "case %d logged '%s'", _i, log);
        else
                ck_assert_str_eq(log, "");
        if (r == 0 && load_cases[_i].content)
                ck_assert(c->echo.loss == 0.5);
}
END_TEST

START_TEST(test_shipped_files) {
        static const char *const files[] = { "netlab.conf.in", "netlab-dev.conf" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(conf_unrefp) Conf *c = NULL;
                _cleanup_free_ char *msg = NULL;
                char path[512];
                unsigned line = 0;

                snprintf(path, sizeof(path), "%s/conf/%s", TOP_SRCDIR, files[i]);
                ck_assert_msg(conf_load(path, &c, &line, &msg) == 0, "%s:%u: %s", path, line, msg);
        }
}
END_TEST

START_TEST(test_restart_keys) {
        _cleanup_(conf_unrefp) Conf *a = NULL, *b = NULL;
        _cleanup_free_ char *diff = NULL, *none = NULL;
        _cleanup_free_ char *msg = NULL;
        unsigned line;

        ck_assert_int_eq(conf_new_default(&a), 0);
        ck_assert_int_eq(conf_load(write_file("r.conf", "echo = { listen = \"127.0.0.1:1\"; loss = 0.5; };\n"
                                               "http = { enabled = false; };\n"),
                                   &b, &line, &msg), 0);
        diff = conf_restart_keys_changed(a, b);
        ck_assert_ptr_nonnull(diff);
        ck_assert_str_eq(diff, "echo.listen, http.enabled");
        none = conf_restart_keys_changed(a, a);
        ck_assert_ptr_null(none);
}
END_TEST

static void count_key(const char *key, void *userdata) {
        (*(unsigned *) userdata)++;
        ck_assert(strlen(key) > 2);
}

START_TEST(test_foreach_key) {
        unsigned n = 0;

        conf_foreach_key(count_key, &n);
        ck_assert_uint_ge(n, 40);
}
END_TEST

/* Mutation fuzzing with a fixed seed: flip, insert and delete bytes of a valid file.
 * Whatever comes out, conf_load() returns 0 or -EBADMSG with a message, and never
 * crashes (ASan/UBSan run this too). */
START_TEST(test_fuzz_corpus) {
        static const char base[] =
                "log_level = \"info\";\necho = { listen = [\"127.0.0.1:9\"]; loss = 0.3; delay = \"5ms\";\n"
                " loss_model = \"gilbert-elliott\"; ge_r = 0.5; seed = 7; };\n"
                "http = { root = \"/tmp\"; status_allow = [\"::1/128\"]; keepalive_timeout = 2.5; };\n";
        static const char alphabet[] = "{}[]()\";=:,.-+%@#/\\\n\t 0123456789eaxyz\x01\xff";
        Rng rng;

        rng_seed(&rng, 20261125);
        for (int iter = 0; iter < 3000; iter++) {
                _cleanup_(conf_unrefp) Conf *c = NULL;
                _cleanup_free_ char *msg = NULL;
                char buf[sizeof(base) + 64];
                size_t len = sizeof(base) - 1;
                unsigned line = 0;
                int r, edits = 1 + (int) rng_below(&rng, 4);

                memcpy(buf, base, len);
                for (int e = 0; e < edits; e++) {
                        size_t pos = rng_below(&rng, len);
                        char ch = alphabet[rng_below(&rng, sizeof(alphabet) - 1)];

                        switch (rng_below(&rng, 3)) {
                        case 0:
                                buf[pos] = ch;
                                break;
                        case 1:
                                if (len + 1 < sizeof(buf)) {
                                        memmove(buf + pos + 1, buf + pos, len - pos);
                                        buf[pos] = ch;
                                        len++;
                                }
                                break;
                        default:
                                memmove(buf + pos, buf + pos + 1, len - pos - 1);
                                len--;
                        }
                }
                buf[len] = '\0';
                r = conf_load(write_file("fuzz.conf", buf), &c, &line, &msg);
                ck_assert_msg(r == 0 || r == -EBADMSG || r == -ENOENT, "iter %d: r=%d", iter, r);
                if (r == -EBADMSG)
                        ck_assert_msg(msg && msg[0], "iter %d: no message", iter);
        }
}
END_TEST

static Suite *conf_suite(void) {
        Suite *s = suite_create("conf");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_full_file);
        tcase_add_loop_test(tc, test_bad_table, 0, ELEMENTSOF(bad_cases));
        tcase_add_test(tc, test_missing_file);
        tcase_add_loop_test(tc, test_daemon_load_table, 0, ELEMENTSOF(load_cases));
        tcase_add_test(tc, test_shipped_files);
        tcase_add_test(tc, test_restart_keys);
        tcase_add_test(tc, test_foreach_key);
        tcase_add_test(tc, test_fuzz_corpus);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(conf_suite)
