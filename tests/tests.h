/* tests.h — what every Check unit test in tests/ shares: <check.h> and TEST_MAIN().
 * Test programs are linked against the real libraries (libshared.a, libnetlabd.a,
 * libping.a); this header adds no code of its own beyond main(). */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Defines main() for a test program whose tests are all in the Suite that
 * @suite_func() builds: runs it once, prints at the verbosity named by
 * $CK_VERBOSITY (silent, minimal, normal, verbose; normal when unset) and exits
 * EXIT_SUCCESS if no test failed or errored, EXIT_FAILURE otherwise. Check's own
 * environment (CK_FORK, CK_RUN_CASE, CK_DEFAULT_TIMEOUT, ...) applies as usual.
 * Use once, at the end of the file, without a trailing semicolon:
 *         TEST_MAIN(conf_suite)
 */
#define TEST_MAIN(suite_func)                                     \
        int main(void) {                                          \
                SRunner *sr = srunner_create(suite_func());       \
                int failed;                                       \
                                                                  \
                srunner_run_all(sr, CK_ENV);                      \
                failed = srunner_ntests_failed(sr);               \
                srunner_free(sr);                                 \
                return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE; \
        }
