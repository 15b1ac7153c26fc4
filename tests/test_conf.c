/* test_conf.c — the configuration loader: defaults, every key type, every validation
 * error with its line number and message, and a corpus of broken files that must be
 * refused cleanly (never crash, always a line and a message); and daemon_load_conf(), the
 * one loader of start-up and reload, with what it logs. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "conf_diff.h"
#include "conf_scan.h"
#include "daemon.h"
#include "log.h"
#include "rng.h"
#include "test_tmpdir.h"
#include "tests.h"

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
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        char expect_root[300];
        const char *path = test_tmpdir_write(
                "full.conf",
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

        ck_assert_int_eq(conf_load(path, &c, &errors), 0);
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
        ck_assert_int_eq(c->echo.lab_compat, LAB_COMPAT_TIMESTAMP);     /* the old boolean */
        ck_assert(!c->http.enabled);
        ck_assert_str_eq(c->http.listen[0], "*:8081");
        snprintf(expect_root, sizeof(expect_root), "%s/www", test_tmpdir);
        ck_assert_str_eq(c->http.root, expect_root);    /* relative to the file */
        ck_assert_str_eq(c->http.server_header, "");
        ck_assert_uint_eq(c->http.keepalive_timeout_usec, 60 * USEC_PER_SEC);
        ck_assert_uint_eq(c->http.send_timeout_usec, 500 * USEC_PER_MSEC);
        ck_assert_uint_eq(c->http.max_body, 0);
        ck_assert_str_eq(c->http.metrics_path, "");
        ck_assert_str_eq(c->http.status_allow[1], "::1");
        ck_assert_uint_eq(errors.n, 0);
}
END_TEST

/* Each bad file: the exact line and a fragment of the (first) message, or with @exact the
 * whole message. One row per file, aligned by hand (clang-format would re-wrap them). */
/* clang-format off */
static const struct {
        const char *content;
        unsigned line;
        const char *msg;
        bool exact;
} bad_cases[] = {
        { "echo = {\n  los = 0.3;\n};\n", 2, "unknown key 'echo.los', did you mean 'loss'?" },
        { "nonsense_key = 1;\n", 1, "unknown key 'nonsense_key'" },
        { "echo = { loss = 1.5; };\n", 1, "'echo.loss' is 1.5, allowed range is 0..1" },
        { "echo = { loss = -0.1; };\n", 1, "'echo.loss' is -0.1" },
        { "echo = { loss = \"150%\"; };\n", 1, "not a probability" },
        { "echo = { loss = true; };\n", 1, "'echo.loss' must be a number" },
        /* libconfig 1.5 says "must be a number" for a list; "10%" is valid too. */
        { "echo = { loss = [0.1]; };\n", 1,
          "'echo.loss' must be a number between 0 and 1 or a percentage like \"10%\"", true },
        /* libconfig turns this into -1 ("'echo.seed' is -1"). */
        { "echo = {\n  seed = 99999999999999999999;\n};\n", 2,
          "'echo.seed' = 99999999999999999999 is out of range, allowed range is 0..9200000000000000000", true },
        { "echo = { max_payload = -99999999999999999999; };\n", 1,
          "'echo.max_payload' = -99999999999999999999 is out of range, allowed range is 1..65507", true },
        { "echo = { loss = 0x10000000000000000L; };\n", 1,
          "'echo.loss' = 0x10000000000000000L is out of range, allowed range is 0..1", true },
        /* ... and this, without L, into 1316134911 (the low 32 bits). */
        { "echo = { max_queue = 9999999999999; };\n", 1,
          "'echo.max_queue' is 9999999999999, allowed range is 1..1000000", true },
        { "echo = { max_queue = -1; };\n", 1, "'echo.max_queue' is -1, allowed range is 1..1000000", true },
        { "\n\necho = { loss_model = \"bursty\"; };\n", 3, "must be one of \"random\", \"gilbert-elliott\"" },
        { "echo = { distribution = 3; };\n", 1, "'echo.distribution' must be one of" },
        { "echo = {\n  lab_compat = \"upper\";\n};\n", 2,
          "'echo.lab_compat' must be one of \"off\", \"timestamp\", \"uppercase\" "
          "(or false = \"off\", true = \"timestamp\")", true },
        { "echo = { lab_compat = 1; };\n", 1, "'echo.lab_compat' must be one of", false },
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
        /* libconfig says "duplicate setting name", and not which. */
        { "echo = {\n  loss = 0.1; loss = 0.2;\n};\n", 2, "duplicate setting 'echo.loss' (first set on line 2)", true },
        { "echo = { loss = 0.3; };\necho = { delay = 1; };\n", 2, "duplicate setting 'echo' (first set on line 1)", true },
        { "# c\nhttp = {\n  root = \"/\";\n  /* x */ root = \"/tmp\";\n};\n", 4,
          "duplicate setting 'http.root' (first set on line 3)", true },
        { "\"quoted\" = 1;\n", 1, "syntax error" },
        /* libconfig says "cannot open include file", and not which. */
        { "@include \"/nonexistent/file.conf\"\n", 1,
          "cannot open include file '/nonexistent/file.conf': No such file or directory", true },
        { "echo = { loss = 0.1; };\n\n@include \"x.conf\"\n", 3, "cannot open include file 'x.conf' (/tmp/netlab-test." },
        /* Group names get the hint keys get; a group's key at the top level too. */
        { "ecco = {\n  loss = 0.3;\n};\n", 1, "unknown group 'ecco', did you mean 'echo'?", true },
        { "loss = 0.3;\n", 1, "unknown key 'loss' at the top level, did you mean 'echo.loss'?", true },
};
/* clang-format on */

/* echo.lab_compat: each value, and the boolean it used to be (old files still load). */
static const char *const lab_compat_names[] = { "off", "timestamp", "uppercase" };
static const struct {
        const char *value;
        LabCompat want;
} lab_compat_cases[] = {
        { "\"off\"", LAB_COMPAT_OFF },
        { "\"timestamp\"", LAB_COMPAT_TIMESTAMP },
        { "\"uppercase\"", LAB_COMPAT_UPPERCASE },
        { "false", LAB_COMPAT_OFF },
        { "true", LAB_COMPAT_TIMESTAMP },
        { NULL, LAB_COMPAT_OFF },                       /* unset: the default */
};

START_TEST(test_lab_compat) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        ConfErrors errors = {};
        char text[128];

        if (lab_compat_cases[_i].value)
                snprintf(text, sizeof(text), "echo = { lab_compat = %s; };\n", lab_compat_cases[_i].value);
        else
                snprintf(text, sizeof(text), "echo = { loss = 0.1; };\n");
        ck_assert_int_eq(conf_load(test_tmpdir_write("lab.conf", text), &c, &errors), 0);
        ck_assert_int_eq(c->echo.lab_compat, lab_compat_cases[_i].want);
        ck_assert_str_eq(lab_compat_to_string(c->echo.lab_compat), lab_compat_names[lab_compat_cases[_i].want]);
}
END_TEST

START_TEST(test_bad_table) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        const char *path = test_tmpdir_write("bad.conf", bad_cases[_i].content), *msg;
        int r;

        r = conf_load(path, &c, &errors);
        ck_assert_msg(r == -EBADMSG, "case %d: r=%d", _i, r);
        ck_assert_ptr_null(c);
        ck_assert_uint_ge(errors.n, 1);
        msg = errors.e[0].msg;
        ck_assert_ptr_nonnull(msg);
        ck_assert_ptr_null(errors.e[0].file);
        ck_assert_msg(errors.e[0].line == bad_cases[_i].line, "case %d: line %u, want %u (%s)", _i,
                      errors.e[0].line, bad_cases[_i].line, msg);
        if (bad_cases[_i].exact)
                ck_assert_msg(streq(msg, bad_cases[_i].msg), "case %d: message '%s', want '%s'", _i, msg,
                              bad_cases[_i].msg);
        else
                ck_assert_msg(strstr(msg, bad_cases[_i].msg), "case %d: message '%s' lacks '%s'", _i, msg,
                              bad_cases[_i].msg);
}
END_TEST

/* All errors of a file, not only the first: up to CONF_ERRORS_MAX with their lines, then
 * a count. */
START_TEST(test_many_errors) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        char want[64];
        const char *path;

        /* Twelve bad keys, one per line (a repeated key would stop libconfig itself). */
        path = test_tmpdir_write("many.conf", "echo = {\n"
                                              "  loss = 2;\n"
                                              "  delay = -1;\n"
                                              "  jitter = \"x\";\n"
                                              "  ge_p = 7;\n"
                                              "  ge_r = 7;\n"
                                              "  bogus = 1;\n"
                                              "  max_queue = 0;\n"
                                              "  max_payload = 0;\n"
                                              "  reorder_gap = 0;\n"
                                              "  rate_burst = 0;\n"
                                              "  max_flows = 1;\n"
                                              "  duplicate = 3;\n"
                                              "};\n");
        ck_assert_int_eq(conf_load(path, &c, &errors), -EBADMSG);
        ck_assert_uint_eq(errors.n, CONF_ERRORS_MAX);
        ck_assert_uint_eq(errors.n_more, 2);
        for (unsigned i = 0; i < errors.n; i++)
                ck_assert_uint_eq(errors.e[i].line, i + 2);
        ck_assert_str_eq(errors.e[0].msg, "'echo.loss' is 2, allowed range is 0..1");
        ck_assert_str_eq(errors.e[5].msg, "unknown key 'echo.bogus' (see netlab.conf(5) for the keys of echo)");
        snprintf(want, sizeof(want), "'echo.rate_burst' is 0, allowed range is 1..10000000");
        ck_assert_str_eq(errors.e[9].msg, want);
}
END_TEST

/* Integers are read from the file's text, not from libconfig's wrapped values; in
 * included files too, whose errors name that file. */
START_TEST(test_integers_exact) {
        _cleanup_(conf_unrefp) Conf *c = NULL, *c2 = NULL;
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        char main_path[300];
        const char *path;

        path = test_tmpdir_write("int.conf", "echo = { seed = 9999999999999; max_queue = 0x10; };\n"
                                             "http = { max_body = 9000000000000000001L; };\n");
        ck_assert_int_eq(conf_load(path, &c, &errors), -EBADMSG);        /* max_body > 1e12 */
        ck_assert_str_eq(errors.e[0].msg, "'http.max_body' is 9000000000000000001, allowed range is 0..1000000000000");
        conf_errors_done(&errors);

        test_tmpdir_write("inc.conf", "seed = 9000000000000000001;\n max_queue = 0x10;\n");
        snprintf(main_path, sizeof(main_path), "%s",
                 test_tmpdir_write("main.conf", "echo = {\n  @include \"inc.conf\"\n};\n"));
        path = main_path; /* test_tmpdir_write() reuses its buffer */
        ck_assert_int_eq(conf_load(path, &c2, &errors), 0);
        ck_assert_uint_eq(c2->echo.seed, 9000000000000000001ULL);       /* beyond 2^53: not via double */
        ck_assert_uint_eq(c2->echo.max_queue, 16);

        test_tmpdir_write("inc.conf", "loss = 0.1;\nseed = 99999999999999999999;\n");
        ck_assert_int_eq(conf_load(path, &c, &errors), -EBADMSG);
        ck_assert_msg(errors.n == 1, "%zu errors: '%s', '%s'", errors.n, errors.e[0].msg, errors.e[1].msg);
        ck_assert_ptr_nonnull(errors.e[0].file);
        ck_assert_msg(strstr(errors.e[0].file, "inc.conf"), "file '%s'", errors.e[0].file);
        ck_assert_uint_eq(errors.e[0].line, 2);
        ck_assert_str_eq(errors.e[0].msg,
                         "'echo.seed' = 99999999999999999999 is out of range, allowed range is 0..9200000000000000000");
}
END_TEST

START_TEST(test_scan_integer) {
        static const struct {
                const char *literal;
                int r;
                bool negative;
                uint64_t magnitude;
        } cases[] = {
                { "0", 0, false, 0 },                    { "-0", 0, false, 0 },
                { "42", 0, false, 42 },                  { "+42", 0, false, 42 },
                { "-42L", 0, true, 42 },                 { "0x1F", 0, false, 31 },
                { "0XffLL", 0, false, 255 },             { "18446744073709551615", 0, false, UINT64_MAX },
                { "18446744073709551616", -ERANGE, 0, 0 }, { "-99999999999999999999", -ERANGE, 0, 0 },
                { "0x10000000000000000", -ERANGE, 0, 0 }, { "1.5", -EINVAL, 0, 0 },
                { "1e3", -EINVAL, 0, 0 },                { "", -EINVAL, 0, 0 },
                { "-", -EINVAL, 0, 0 },                  { "0x", -EINVAL, 0, 0 },
                { "true", -EINVAL, 0, 0 },               { "12LLL", -EINVAL, 0, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                bool negative = false;
                uint64_t m = 0;
                int r = conf_scan_integer(cases[i].literal, &negative, &m);

                ck_assert_msg(r == cases[i].r, "'%s': r=%d", cases[i].literal, r);
                if (r == 0) {
                        ck_assert_msg(negative == cases[i].negative && m == cases[i].magnitude, "'%s'",
                                      cases[i].literal);
                }
        }
}
END_TEST

START_TEST(test_scan_paths) {
        static const char text[] =
                "# comment with = and { }\n"
                "a = 1; // trailing\n"
                "g = { b = \"x\" \"y\"; c = [1, 2]; l = ( { d = 1; }, { d = 2; d = 3; } ); };\n"
                "/* multi\n line */ e : true;\n"
                "@include \"f.conf\"\n"
                "a = 2;\n";
        ConfScan scan;
        const ConfScanEntry *e;

        ck_assert_int_eq(conf_scan(text, strlen(text), &scan), 0);
        ck_assert_uint_eq(scan.n_entries, 10);
        ck_assert_str_eq(scan.entries[0].path, "a");
        ck_assert_str_eq(scan.entries[0].literal, "1");
        ck_assert_str_eq(scan.entries[2].path, "g.b");
        ck_assert_str_eq(scan.entries[3].path, "g.c");
        ck_assert_str_eq(scan.entries[4].path, "g.l");
        ck_assert_str_eq(scan.entries[5].path, "g.l.[0].d");
        ck_assert_str_eq(scan.entries[6].path, "g.l.[1].d");
        ck_assert_uint_eq(scan.entries[6].first_line, 0);
        ck_assert_uint_eq(scan.entries[7].first_line, 3);          /* the second d in [1] */
        ck_assert_str_eq(scan.entries[8].path, "e");
        ck_assert_str_eq(scan.entries[8].literal, "true");
        ck_assert_uint_eq(scan.entries[8].line, 5);
        ck_assert_uint_eq(scan.entries[9].first_line, 2);
        ck_assert_uint_eq(scan.n_includes, 1);
        ck_assert_str_eq(scan.includes[0].file, "f.conf");
        ck_assert_uint_eq(scan.includes[0].line, 6);
        e = conf_scan_find_duplicate(&scan, 7);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->path, "a");
        e = conf_scan_find(&scan, "d", 3);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->literal, "1");
        conf_scan_done(&scan);
}
END_TEST

/* More settings than the scanner's first allocation (64 entries): the array moves, and
 * every entry must still find its own name (fuzz_conf found a use after free there). */
START_TEST(test_scan_many_entries) {
        char text[200 * 16], key[16];
        size_t n = 0;
        ConfScan scan;
        const ConfScanEntry *e;

        for (unsigned i = 0; i < 200; i++)
                n += (size_t) snprintf(text + n, sizeof(text) - n, "k%u = %u;\n", i, i);
        ck_assert_int_eq(conf_scan(text, n, &scan), 0);
        ck_assert_uint_eq(scan.n_entries, 200);
        for (unsigned i = 0; i < 200; i += 13) {
                snprintf(key, sizeof(key), "k%u", i);
                e = conf_scan_find(&scan, key, i + 1);
                ck_assert_ptr_nonnull(e);
                ck_assert_str_eq(e->path, key);
                ck_assert_uint_eq(e->line, i + 1);
        }
        conf_scan_done(&scan);
}
END_TEST

START_TEST(test_missing_file) {
        Conf *c = NULL;
        ConfErrors errors = { .n_more = 7 };

        ck_assert_int_eq(conf_load("/nonexistent/netlab.conf", &c, &errors), -ENOENT);
        ck_assert_ptr_null(c);
        ck_assert_uint_eq(errors.n_more, 7);    /* reterr untouched when not a content error */
        ck_assert_uint_eq(errors.n, 0);
        ck_assert_int_eq(conf_load(test_tmpdir, &c, &errors), -EISDIR);
        ck_assert_uint_eq(errors.n_more, 7);
}
END_TEST

/* daemon_load_conf(): start-up and reload share one loader; what it logs goes to
 * stderr, captured here into @log. */
static int load_logged(const char *path, bool path_explicit, bool reload, Conf **ret, char *log, size_t size) {
        char *p = test_tmpdir_write("stderr.txt", "");
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
        const char *content;            /* NULL: the file does not exist; "/": a directory */
        bool explicit_, reload;
        int r;
        const char *log;                /* the end of what was logged, "" for nothing */
} load_cases[] = {
        { "echo = { loss = 0.5; };\nhttp = { root = \".\"; };\n", false, false, 0, "" },
        { NULL, true, false, -ENOENT, "netlab.conf: No such file or directory\n" },
        { NULL, true, true, -ENOENT, "netlab.conf: No such file or directory\nKeeping the previous configuration\n" },
        { "/", true, false, -EISDIR, "netlab.conf: Is a directory\n" },
        { "echo = { loss = 7; };\n", true, false, -EBADMSG, "netlab.conf:1: 'echo.loss' is 7, allowed range is 0..1\n" },
        /* A failed reload: what is wrong, then what happens, as two sentences. */
        { "echo = {\n  loss = 0.1;\n  jiter = 2;\n};\n", false, true, -EBADMSG,
          "netlab.conf:3: unknown key 'echo.jiter', did you mean 'jitter'?\nKeeping the previous configuration\n" },
        { "echo = { loss = 7;\n  delay = -1; };\n", true, false, -EBADMSG,
          /* after "...netlab.conf:1: 'echo.loss' is 7, allowed range is 0..1\n" */
          "/netlab.conf:2: 'echo.delay' is -1ms, allowed range is 0..60000ms\n" },
        /* The checks start-up and reload run after the file itself is fine. */
        { "http = { root = \"nowhere\"; };\n", true, false, -ENOENT,
          "/nowhere': No such file or directory\n" },
        { "http = { root = \"nowhere\"; };\n", true, true, -ENOENT,
          "/nowhere': No such file or directory\nKeeping the previous configuration\n" },
        { "http = { enabled = false; root = \"nowhere\"; };\n", true, false, 0, "" },
};

START_TEST(test_daemon_load_table) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        const char *want = load_cases[_i].log;
        char log[1024], path[300];
        int r;

        snprintf(path, sizeof(path), "%s/netlab.conf", test_tmpdir);
        if (load_cases[_i].content && streq(load_cases[_i].content, "/"))
                ck_assert_int_eq(mkdir(path, 0700), 0);
        else if (load_cases[_i].content)
                test_tmpdir_write("netlab.conf", load_cases[_i].content);
        r = load_logged(path, load_cases[_i].explicit_, load_cases[_i].reload, &c, log, sizeof(log));
        ck_assert_msg(r == load_cases[_i].r, "case %d: r=%d, logged '%s'", _i, r, log);
        ck_assert(r < 0 ? !c : !!c);
        if (want[0])
                ck_assert_msg(strlen(log) >= strlen(want) && streq(log + strlen(log) - strlen(want), want),
                              "case %d logged '%s', want it to end in '%s'", _i, log, want);
        else
                ck_assert_str_eq(log, "");
        if (_i == 0)
                ck_assert(c->echo.loss == 0.5);
}
END_TEST

/* A missing default file means the built-in defaults, which must pass the same checks:
 * their document root is the installed www directory, there or not on this machine. */
START_TEST(test_daemon_load_defaults) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        char log[1024], path[300];
        struct stat st;
        bool installed = stat(WWWDIR, &st) == 0 && S_ISDIR(st.st_mode);
        int r;

        snprintf(path, sizeof(path), "%s/netlab.conf", test_tmpdir);
        r = load_logged(path, false, false, &c, log, sizeof(log));
        ck_assert_msg(strstr(log, "netlab.conf not found, using built-in defaults\n"), "logged '%s'", log);
        if (installed)
                ck_assert_int_eq(r, 1);
        else {
                ck_assert_int_eq(r, -ENOENT);
                ck_assert_msg(strstr(log, ": cannot open the document root '" WWWDIR "': No such file or directory\n"),
                              "logged '%s'", log);
        }
}
END_TEST

/* What a reload logs as changed: key by key, old -> new, in the file's own notation. */
START_TEST(test_diff) {
        _cleanup_(conf_unrefp) Conf *a = NULL, *b = NULL;
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        _cleanup_free_ char *diff = NULL, *none = NULL;

        ck_assert_int_eq(conf_load(test_tmpdir_write("a.conf", "echo = { loss = 0.3; };\n"), &a, &errors), 0);
        ck_assert_int_eq(
                conf_load(test_tmpdir_write("b.conf",
                                            "log_level = \"debug\";\n"
                                            "echo = { loss = \"10%\"; delay = 10; lab_compat = true;\n"
                                            "  loss_model = \"gilbert-elliott\"; ge_r = 0.5; };\n"
                                            "http = { keepalive_timeout = 2.5; status_allow = [\"::1\"]; };\n"),
                          &b, &errors),
                0);
        ck_assert_int_eq(conf_diff(a, b, &diff), 0);
        ck_assert_str_eq(diff, "log_level \"info\" -> \"debug\", echo.loss 0.3 -> 0.1, "
                               "echo.loss_model \"random\" -> \"gilbert-elliott\", echo.ge_r 0.3 -> 0.5, "
                               "echo.delay 0ms -> 10ms, echo.lab_compat \"off\" -> \"timestamp\", "
                               "http.keepalive_timeout 15s -> 2.5s, http.status_allow [] -> [\"::1\"]");
        ck_assert_int_eq(conf_diff(a, a, &none), 0);
        ck_assert_ptr_null(none);
}
END_TEST

START_TEST(test_shipped_files) {
        static const char *const files[] = { "netlab.conf.in", "netlab-dev.conf" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(conf_unrefp) Conf *c = NULL;
                _cleanup_(conf_errors_done) ConfErrors errors = {};
                char path[512];

                snprintf(path, sizeof(path), "%s/conf/%s", TOP_SRCDIR, files[i]);
                ck_assert_msg(conf_load(path, &c, &errors) == 0, "%s:%u: %s", path, errors.e[0].line, errors.e[0].msg);
        }
}
END_TEST

START_TEST(test_restart_keys) {
        _cleanup_(conf_unrefp) Conf *a = NULL, *b = NULL;
        _cleanup_free_ char *diff = NULL, *none = NULL;
        _cleanup_(conf_errors_done) ConfErrors errors = {};

        ck_assert_int_eq(conf_new_default(&a), 0);
        ck_assert_int_eq(conf_load(test_tmpdir_write("r.conf", "echo = { listen = \"127.0.0.1:1\"; loss = 0.5; };\n"
                                                               "http = { enabled = false; };\n"),
                                   &b, &errors),
                         0);
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
                _cleanup_(conf_errors_done) ConfErrors errors = {};
                char buf[sizeof(base) + 64];
                size_t len = sizeof(base) - 1;
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
                r = conf_load(test_tmpdir_write("fuzz.conf", buf), &c, &errors);
                ck_assert_msg(r == 0 || r == -EBADMSG || r == -ENOENT, "iter %d: r=%d", iter, r);
                if (r == -EBADMSG) {
                        ck_assert_msg(errors.n > 0 && errors.n <= CONF_ERRORS_MAX, "iter %d: %zu errors", iter, errors.n);
                        for (size_t e = 0; e < errors.n; e++)
                                ck_assert_msg(errors.e[e].msg && errors.e[e].msg[0], "iter %d: no message", iter);
                }
        }
}
END_TEST

static Suite *conf_suite(void) {
        Suite *s = suite_create("conf");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_full_file);
        tcase_add_loop_test(tc, test_bad_table, 0, ELEMENTSOF(bad_cases));
        tcase_add_loop_test(tc, test_lab_compat, 0, ELEMENTSOF(lab_compat_cases));
        tcase_add_test(tc, test_many_errors);
        tcase_add_test(tc, test_integers_exact);
        tcase_add_test(tc, test_scan_integer);
        tcase_add_test(tc, test_scan_paths);
        tcase_add_test(tc, test_scan_many_entries);
        tcase_add_test(tc, test_daemon_load_defaults);
        tcase_add_test(tc, test_diff);
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
