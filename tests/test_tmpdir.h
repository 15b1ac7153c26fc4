/* test_tmpdir.h — a scratch directory for each test of a Check test case (a checked
 * fixture: tcase_add_checked_fixture(tc, test_tmpdir_setup, test_tmpdir_teardown)) and
 * files written into it. For the test programs that load files by path (the config
 * loaders); include once per program. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_TMPDIR_TEMPLATE "/tmp/netlab-test.XXXXXX"

/* The current test's directory (valid between setup and teardown). */
static char test_tmpdir[sizeof(TEST_TMPDIR_TEMPLATE)];

static inline void test_tmpdir_setup(void) {
        strcpy(test_tmpdir, TEST_TMPDIR_TEMPLATE);
        ck_assert_ptr_nonnull(mkdtemp(test_tmpdir));
}

static inline void test_tmpdir_teardown(void) {
        char cmd[sizeof(test_tmpdir) + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_tmpdir);
        ck_assert_int_eq(system(cmd), 0);
}

/* Writes @content to @name in the directory; returns its path, in a buffer that the next
 * call reuses. */
static inline char *test_tmpdir_write(const char *name, const char *content) {
        static char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", test_tmpdir, name);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}
