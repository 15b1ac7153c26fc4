/* test_cli.c — netlabd's command line (src/daemon/cli.c): short and long options,
 * --opt=value and --opt value, defaults, and every way to get it wrong. */
#include <check.h>
#include <stdbool.h>

#include "cli.h"
#include "conf.h"
#include "macro.h"
#include "tests.h"

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

static Suite *cli_suite(void) {
        Suite *s = suite_create("cli");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_cli, 0, ELEMENTSOF(cli_cases));
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(cli_suite)
