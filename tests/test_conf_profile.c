/* test_conf_profile.c — echo.profiles in netlab.conf (src/daemon/conf.c): the issue's
 * example parses with inheritance from the top-level echo keys (whatever their order in
 * the file), and every bad profile is rejected with its line and a clear message. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "echo_profiles.h"
#include "impair.h"
#include "macro.h"
#include "test_tmpdir.h"
#include "tests.h"

static const char classroom[] =
        "echo = {\n"
        "        listen = [ \"127.0.0.1:8080\", \"127.0.0.1:8083\" ];\n"
        "        profiles = (\n"
        "                { name = \"group-a\"; sources = [ \"10.0.1.0/24\" ]; },\n"
        "                { name = \"group-b\"; sources = [ \"10.0.2.0/24\", \"2001:db8:2::/48\" ]; loss = 0.3; seed = 2;\n"
        "                  rate_limit_bytes = 5000.0; lab_compat = true; },\n"
        "                { name = \"group-c\"; ports = [ 8083 ]; loss_model = \"gilbert-elliott\"; ge_p = 0.05; ge_r = 0.3;\n"
        "                  delay = \"20ms\"; jitter = \"5ms\"; lab_compat = \"uppercase\"; }\n"
        "        );\n"
        "        loss = 0.1;                     # after the profiles: still inherited\n"
        "        delay = 7;\n"
        "        seed = 9;\n"
        "        rate_limit_plain = 50.0;\n"
        "};\n";

START_TEST(test_classroom) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_(conf_errors_done) ConfErrors errs = {};
        const ConfProfile *p;
        EchoBudgetLimits l;
        ImpairSummary s;

        ck_assert_int_eq(conf_load(test_tmpdir_write("p.conf", classroom), &c, &errs), 0);
        ck_assert_uint_eq(c->echo.n_profiles, 3);

        p = &c->echo.profiles[0];
        ck_assert_str_eq(p->name, "group-a");
        ck_assert_uint_eq(p->line, 4);
        ck_assert_uint_eq(p->n_cidrs, 1);
        ck_assert_uint_eq(p->n_ports, 0);
        ck_assert_double_eq(p->echo.loss, 0.1); /* inherited */
        ck_assert_uint_eq(p->echo.delay_usec, 7000);
        ck_assert(!p->seed_set);
        ck_assert_ptr_null(p->echo.listen);
        ck_assert_str_eq(p->match, "sources 10.0.1.0/24");

        p = &c->echo.profiles[1];
        ck_assert_double_eq(p->echo.loss, 0.3);
        ck_assert_uint_eq(p->echo.seed, 2);
        ck_assert(p->seed_set);
        ck_assert_uint_eq(p->n_cidrs, 2);
        ck_assert_str_eq(p->match, "sources 10.0.2.0/24, 2001:db8:2::/48");
        /* the budgets are per profile too: its own byte rate, the top level's plain rate */
        ck_assert_double_eq(p->echo.rate_limit_bytes, 5000);
        ck_assert_double_eq(p->echo.rate_limit_plain, 50);
        ck_assert_double_eq(c->echo.profiles[0].echo.rate_limit_bytes, 2000000);
        echo_profile_limits(&p->echo, &l);
        ck_assert_double_eq(l.bytes.rate, 5000);
        ck_assert_double_eq(l.bytes.burst, 65507); /* always the largest reply */
        ck_assert_double_eq(l.plain.rate, 50);
        ck_assert_double_eq(l.replies.rate, 10000);
        ck_assert(!conf_echo_same_impairment(&c->echo.profiles[1].echo, &c->echo));
        /* lab_compat is an enum a profile may set, the old boolean included */
        ck_assert_int_eq(p->echo.lab_compat, LAB_COMPAT_TIMESTAMP);
        ck_assert_int_eq(c->echo.profiles[0].echo.lab_compat, LAB_COMPAT_OFF);
        ck_assert_int_eq(c->echo.profiles[2].echo.lab_compat, LAB_COMPAT_UPPERCASE);
        ck_assert_int_eq(c->echo.lab_compat, LAB_COMPAT_OFF);

        p = &c->echo.profiles[2];
        ck_assert_int_eq(p->echo.loss_model, LOSS_MODEL_GILBERT_ELLIOTT);
        ck_assert_uint_eq(p->echo.delay_usec, 20000);
        ck_assert_uint_eq(p->echo.jitter_usec, 5000);
        ck_assert_str_eq(p->match, "ports 8083");
        impair_describe(&p->echo, &s);
        ck_assert_double_eq_tol(s.mean_loss, 0.05 / 0.35, 1e-9); /* p / (p + r), not 'loss' */
        ck_assert_double_eq_tol(s.mean_burst, 1 / 0.3, 1e-9);

        ck_assert_double_eq(c->echo.loss, 0.1); /* the top level is untouched */
        ck_assert(!conf_echo_same_impairment(&c->echo.profiles[0].echo, &c->echo.profiles[1].echo));
        ck_assert(conf_echo_same_impairment(&c->echo.profiles[0].echo, &c->echo.profiles[0].echo));
}
END_TEST

static const struct {
        const char *content;
        unsigned line;
        const char *msg;
} bad_cases[] = {
        { "echo = { profiles = 3; };\n", 1, "'echo.profiles' must be a list of groups" },
        { "echo = { profiles = ( 3 ); };\n", 1, "must be a group" },
        { "echo = { profiles = (\n { sources = [\"10.0.0.0/8\"]; }\n); };\n", 2, "needs a 'name'" },
        { "echo = { profiles = (\n { name = \"Group A\"; }\n); };\n", 2, "profile name 'Group A' must be" },
        { "echo = { profiles = (\n { name = \"default\"; }\n); };\n", 2, "not \"default\"" },
        { "echo = { profiles = (\n { name = \"abcdefghijklmnopqrstuvwxyz0123456\"; }\n); };\n", 2, "1..32" },
        { "echo = { profiles = (\n { name = \"a\"; sources = [\"10.0.0.0/8\"]; },\n"
          " { name = \"a\"; sources = [\"10.1.0.0/16\"]; }\n); };\n",
          3, "'a' is already used at line 2" },
        { "echo = { profiles = (\n { name = \"a\";\n   sources = [\"10.0.0.0/33\"]; }\n); };\n", 3,
          "invalid entry '10.0.0.0/33'" },
        { "echo = { profiles = (\n { name = \"a\"; sources = []; }\n); };\n", 2, "'sources' must not be empty" },
        { "echo = { profiles = (\n { name = \"a\";\n  lossy = 0.3; }\n); };\n", 3,
          "unknown key 'lossy' in an echo profile" },
        { "echo = { profiles = (\n { name = \"a\"; listen = [\"127.0.0.1:1\"]; }\n); };\n", 2,
          "unknown key 'listen'" },
        { "echo = { profiles = (\n { name = \"a\";\n  loss = 2; }\n); };\n", 3,
          "'echo.loss' is 2, allowed range is 0..1" },
        { "echo = { listen = [\"127.0.0.1:8080\"];\n profiles = (\n { name = \"a\"; ports = [ 8083 ]; }\n); };\n",
          3, "port 8083 is not one the echo listens on" },
        { "echo = { profiles = (\n { name = \"a\"; ports = [ 0 ]; }\n); };\n", 2, "out of range 1..65535" },
        { "echo = { profiles = (\n { name = \"a\"; ports = [ \"x\" ]; }\n); };\n", 2, "only port numbers" },
        { "echo = { profiles = (\n { name = \"a\"; sources = [\"10.0.1.0/24\"]; },\n"
          " { name = \"b\"; sources = [\"10.0.1.9/24\"]; loss = 0.5; }\n); };\n",
          3, "profile 'b' matches the same sources and ports as profile 'a' (line 2)" },
        { "echo = { profiles = (\n { name = \"a\"; loss = 0.1; },\n { name = \"b\"; }\n); };\n", 3,
          "profile 'b' matches the same sources and ports" },
        { "echo = { profiles = (\n { name = \"a\"; loss_model = \"gilbert-elliott\"; ge_p = 0.1; ge_r = 0; }\n); };\n",
          2, "profile 'a': 'ge_r' must be > 0" },
};

START_TEST(test_bad_table) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_(conf_errors_done) ConfErrors errs = {};
        unsigned line;
        const char *msg;
        int r;

        r = conf_load(test_tmpdir_write("p.conf", bad_cases[_i].content), &c, &errs);
        ck_assert_msg(r == -EBADMSG, "case %d: r=%d", _i, r);
        ck_assert_ptr_null(c);
        ck_assert_uint_ge(errs.n, 1);
        line = errs.e[0].line;
        msg = errs.e[0].msg;
        ck_assert_ptr_nonnull(msg);
        ck_assert_msg(line == bad_cases[_i].line, "case %d: line %u, want %u (%s)", _i, line,
                      bad_cases[_i].line, msg);
        ck_assert_msg(strstr(msg, bad_cases[_i].msg), "case %d: message '%s' lacks '%s'", _i, msg,
                      bad_cases[_i].msg);
}
END_TEST

/* 256 profiles load; a 257th is refused. */
START_TEST(test_max_profiles) {
        for (unsigned n = 256; n <= 257; n++) {
                _cleanup_(conf_unrefp) Conf *c = NULL;
                _cleanup_(conf_errors_done) ConfErrors errs = {};
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&text, &len);

                ck_assert_ptr_nonnull(f);
                fputs("echo = { profiles = (\n", f);
                for (unsigned i = 0; i < n; i++)
                        fprintf(f, "%s{ name = \"p%u\"; sources = [ \"10.%u.%u.0/24\" ]; loss = 0.01; }\n",
                                i ? "," : "", i, i / 256, i % 256);
                fputs("); };\n", f);
                ck_assert_int_eq(fclose(f), 0);
                if (n == 256) {
                        ck_assert_int_eq(conf_load(test_tmpdir_write("p.conf", text), &c, &errs), 0);
                        ck_assert_uint_eq(c->echo.n_profiles, 256);
                } else {
                        ck_assert_int_eq(conf_load(test_tmpdir_write("p.conf", text), &c, &errs), -EBADMSG);
                        ck_assert_uint_ge(errs.n, 1);
                        ck_assert_ptr_nonnull(strstr(errs.e[0].msg, "at most 256"));
                }
        }
}
END_TEST

static Suite *conf_profile_suite(void) {
        Suite *s = suite_create("conf_profile");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown);
        tcase_add_test(tc, test_classroom);
        tcase_add_loop_test(tc, test_bad_table, 0, ELEMENTSOF(bad_cases));
        tcase_add_test(tc, test_max_profiles);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(conf_profile_suite)
