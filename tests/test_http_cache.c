/* test_http_cache.c — the small-file cache: put/get, the one-second validity, files too
 * large to cache, a file that changed size while read, replacement of a key, eviction
 * beyond HTTP_CACHE_ENTRIES and flush. */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_cache.h"
#include "macro.h"
#include "tests.h"

static const uint8_t test_key[HTTP_SERVE_ETAG_KEY_SIZE] = "netlab-test-key";

static int make_file(const char *content, size_t len, struct stat *st) {
        char path[] = "/tmp/netlab-test-cache.XXXXXX";
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        (void) unlink(path);
        ck_assert_int_eq(write(fd, content, len), (ssize_t) len);
        ck_assert_int_eq(fstat(fd, st), 0);
        return fd;
}

START_TEST(test_cache_basic) {
        _cleanup_(http_cache_freep) HttpCache *c = NULL;
        const HttpCacheEntry *e;
        struct stat st;
        _cleanup_close_ int fd = make_file("hello", 5, &st);
        usec_t t = 10 * USEC_PER_SEC;

        ck_assert_int_eq(http_cache_new(test_key, &c), 0);
        ck_assert_ptr_null(http_cache_get(c, "a.txt", t));
        ck_assert_int_eq(http_cache_put(c, "a.txt", fd, &st, "text/plain", t, &e), 0);
        ck_assert(memcmp(e->data, "hello", 5) == 0);
        ck_assert_str_eq(e->content_type, "text/plain");
        ck_assert(e->etag[0] == '"');

        e = http_cache_get(c, "a.txt", t + HTTP_CACHE_VALID_USEC - 1);
        ck_assert_ptr_nonnull(e);
        ck_assert_int_eq(e->st.st_size, 5);
        ck_assert_ptr_null(http_cache_get(c, "b.txt", t));
        /* stale after the validity: dropped, the caller opens the file again */
        ck_assert_ptr_null(http_cache_get(c, "a.txt", t + HTTP_CACHE_VALID_USEC));
        ck_assert_ptr_null(http_cache_get(c, "a.txt", t));

        ck_assert_int_eq(http_cache_put(c, "a.txt", fd, &st, "text/plain", t, &e), 0);
        http_cache_flush(c);
        ck_assert_ptr_null(http_cache_get(c, "a.txt", t));
}
END_TEST

START_TEST(test_cache_limits) {
        _cleanup_(http_cache_freep) HttpCache *c = NULL;
        _cleanup_free_ char *big = calloc(1, HTTP_CACHE_FILE_MAX + 1);
        const HttpCacheEntry *e = NULL;
        struct stat st, st2;
        _cleanup_close_ int fd = make_file(big, HTTP_CACHE_FILE_MAX + 1, &st);
        _cleanup_close_ int fd2 = make_file("abc", 3, &st2);

        ck_assert_int_eq(http_cache_new(test_key, &c), 0);
        ck_assert_int_eq(http_cache_put(c, "big", fd, &st, "x", 0, &e), -EFBIG);
        /* grew since fstat(): refuse rather than cache a torn copy */
        ck_assert_int_eq(write(fd2, "d", 1), 1);
        ck_assert_int_eq(http_cache_put(c, "grown", fd2, &st2, "x", 0, &e), -EIO);
        ck_assert_ptr_null(http_cache_get(c, "grown", 0));
}
END_TEST

START_TEST(test_cache_eviction) {
        _cleanup_(http_cache_freep) HttpCache *c = NULL;
        const HttpCacheEntry *e;
        struct stat st;
        _cleanup_close_ int fd = make_file("x", 1, &st);
        char key[32];

        ck_assert_int_eq(http_cache_new(test_key, &c), 0);
        for (int i = 0; i < HTTP_CACHE_ENTRIES + 10; i++) {
                snprintf(key, sizeof(key), "f%d", i);
                ck_assert_int_eq(http_cache_put(c, key, fd, &st, "x", 0, &e), 0);
                ck_assert_str_eq(e->key, key);
        }
        /* FIFO: the first ten went, the rest are there */
        for (int i = 0; i < HTTP_CACHE_ENTRIES + 10; i++) {
                snprintf(key, sizeof(key), "f%d", i);
                if (i < 10)
                        ck_assert_ptr_null(http_cache_get(c, key, 0));
                else
                        ck_assert_ptr_nonnull(http_cache_get(c, key, 0));
        }
        /* putting an existing key replaces it in place */
        ck_assert_int_eq(http_cache_put(c, "f20", fd, &st, "y", 0, &e), 0);
        ck_assert_str_eq(http_cache_get(c, "f20", 0)->content_type, "y");
        ck_assert_ptr_nonnull(http_cache_get(c, "f10", 0));
}
END_TEST

static Suite *http_cache_suite(void) {
        Suite *s = suite_create("http_cache");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_cache_basic);
        tcase_add_test(tc, test_cache_limits);
        tcase_add_test(tc, test_cache_eviction);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(http_cache_suite)
