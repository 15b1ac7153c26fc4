/* test_http_fs.c — openat2 containment on a fixture tree built in a temporary directory
 * (symlinks inside and out of the root, absolute symlinks, loops, magic links, FIFOs),
 * the same table through the user-space resolver with openat2() denied by seccomp, and
 * the autoindex listing (escaping, order, hidden files). */

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_fs.h"
#include "macro.h"
#include "tests.h"

static char tmpdir[] = "/tmp/netlab-test-fs.XXXXXX";
static char outside[PATH_MAX];
static int root_fd = -EBADF;

static void write_file(const char *path, const char *content) {
        FILE *f = fopen(path, "we");

        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        fclose(f);
}

static void fixture_setup(void) {
        char p[PATH_MAX + 64];

        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        /* tmpdir/root is the document root; tmpdir/secret is outside it */
        snprintf(outside, sizeof(outside), "%s/secret", tmpdir);
        write_file(outside, "outside\n");
#define P(x) ((void) snprintf(p, sizeof(p), "%s/root/%s", tmpdir, (x)), p)
        ck_assert_int_eq(mkdir(P(""), 0755), 0);
        ck_assert_int_eq(mkdir(P("dir"), 0755), 0);
        write_file(P("index.html"), "<h1>index</h1>\n");
        write_file(P("dir/a.txt"), "a\n");
        write_file(P("dir/<b>&.txt"), "b\n");
        write_file(P(".hidden"), "h\n");
        ck_assert_int_eq(symlink("dir/a.txt", P("link-in")), 0);
        ck_assert_int_eq(symlink("../secret", P("link-out")), 0);
        ck_assert_int_eq(symlink(outside, P("link-abs")), 0);
        ck_assert_int_eq(symlink("loop2", P("loop1")), 0);
        ck_assert_int_eq(symlink("loop1", P("loop2")), 0);
        ck_assert_int_eq(symlink("/proc/self/root/etc/passwd", P("link-magic")), 0);
        ck_assert_int_eq(symlink("..", P("dir/up")), 0);
        ck_assert_int_eq(mkfifo(P("fifo"), 0644), 0);
#undef P
        snprintf(p, sizeof(p), "%s/root", tmpdir);
        root_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);
}

static void fixture_teardown(void) {
        char cmd[PATH_MAX + 16];

        root_fd = safe_close(root_fd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        (void) system(cmd);
}

static const struct {
        const char *rel;
        int expect;                     /* >= 0: opens; else -errno */
} opens[] = {
        { "index.html", 0 },
        { "dir/a.txt", 0 },
        { "link-in", 0 },               /* symlink inside the root works */
        { "dir/up/index.html", 0 },     /* ".." that stays inside */
        { "dir/../index.html", 0 },
        { "link-out", -EXDEV },         /* relative symlink out of the root */
        { "link-abs", -EXDEV },         /* absolute symlink */
        { "../secret", -EXDEV },
        { "dir/up/../secret", -EXDEV },
        { "loop1", -ELOOP },
        { "link-magic", -EXDEV },
        { "missing", -ENOENT },
        { "index.html/x", -ENOTDIR },
        { "dir", -EISDIR },
        { ".", -EISDIR },
        { "fifo", -EPERM },             /* never a FIFO, device or socket */
        { "dir/up/dir/up/index.html", 0 },      /* links resolved more than once */
        { "dir/up/link-in", 0 },                /* a link reached through a link */
        { "dir/up/../secret", -EXDEV },
};

START_TEST(test_open) {
        struct stat st;
        int fd = http_fs_open(root_fd, opens[_i].rel, &st);

        if (opens[_i].expect == 0) {
                ck_assert_msg(fd >= 0, "'%s': %d", opens[_i].rel, fd);
                ck_assert(S_ISREG(st.st_mode));
                safe_close(fd);
        } else if (opens[_i].expect == -EXDEV)
                /* RESOLVE_BENEATH reports an escape as EXDEV; a magic link may be ELOOP. */
                ck_assert_msg(fd == -EXDEV || fd == -ELOOP, "'%s': %d", opens[_i].rel, fd);
        else
                ck_assert_msg(fd == opens[_i].expect, "'%s': %d", opens[_i].rel, fd);
}
END_TEST

/* The same table with openat2() denied by seccomp (ENOSYS), as under netlabd.service's
 * DynamicUser=yes: the user-space resolver must give the same answers. Check runs every
 * test in a forked child, so the filter stays there. */
static int deny_openat2(void) {
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(filter), .filter = filter };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                return -errno;
        return 0;
}

START_TEST(test_open_fallback) {
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
        struct stat st;
        int fd;

        if (deny_openat2() < 0)
                return;                 /* no seccomp here: nothing to test */
        ck_assert_int_lt(syscall(SYS_openat2, root_fd, ".", &how, sizeof(how)), 0);
        ck_assert_int_eq(errno, ENOSYS);

        fd = http_fs_open(root_fd, opens[_i].rel, &st);
        if (opens[_i].expect == 0) {
                ck_assert_msg(fd >= 0, "fallback '%s': %d", opens[_i].rel, fd);
                ck_assert(S_ISREG(st.st_mode));
                safe_close(fd);
        } else if (opens[_i].expect == -EXDEV)
                ck_assert_msg(fd == -EXDEV || fd == -ELOOP, "fallback '%s': %d", opens[_i].rel, fd);
        else
                ck_assert_msg(fd == opens[_i].expect, "fallback '%s': %d", opens[_i].rel, fd);
}
END_TEST

START_TEST(test_autoindex_fallback) {
        _cleanup_free_ char *body = NULL;
        size_t len = 0;

        if (deny_openat2() < 0)
                return;
        ck_assert_int_eq(http_fs_autoindex(root_fd, "dir/", "/dir/", false, &body, &len), 0);
        ck_assert_ptr_nonnull(strstr(body, ">a.txt<"));
        free(body);
        body = NULL;
        ck_assert_int_lt(http_fs_autoindex(root_fd, "link-out", "/x/", false, &body, &len), 0);
        ck_assert_int_eq(http_fs_autoindex(root_fd, "dir/up/dir/up/dir", "/d/", false, &body, &len), 0);
}
END_TEST

START_TEST(test_autoindex) {
        _cleanup_free_ char *body = NULL;
        size_t len = 0;

        ck_assert_int_eq(http_fs_autoindex(root_fd, "dir/", "/dir/", false, &body, &len), 0);
        ck_assert_int_eq(len, strlen(body));
        ck_assert_ptr_nonnull(strstr(body, "<title>Index of /dir/</title>"));
        ck_assert_ptr_nonnull(strstr(body, "<a href=\"./%3Cb%3E&amp;.txt\">&lt;b&gt;&amp;.txt</a>"));
        ck_assert_ptr_nonnull(strstr(body, "<a href=\"./up/\">up/</a>"));
        /* sorted: "<b>&.txt" < "a.txt" < "up/" */
        ck_assert(strstr(body, "&lt;b&gt;") < strstr(body, ">a.txt<"));
        ck_assert(strstr(body, ">a.txt<") < strstr(body, ">up/<"));
        free(body);
        body = NULL;

        ck_assert_int_eq(http_fs_autoindex(root_fd, ".", "/", false, &body, &len), 0);
        ck_assert_ptr_null(strstr(body, ".hidden"));
        ck_assert_ptr_null(strstr(body, "../"));
        free(body);
        body = NULL;
        ck_assert_int_eq(http_fs_autoindex(root_fd, ".", "/", true, &body, &len), 0);
        ck_assert_ptr_nonnull(strstr(body, ".hidden"));

        ck_assert_int_lt(http_fs_autoindex(root_fd, "link-out", "/x/", false, &body, &len), 0);
        ck_assert_int_eq(http_fs_autoindex(root_fd, "missing", "/missing/", false, &body, &len), -ENOENT);
}
END_TEST

static Suite *http_fs_suite(void) {
        Suite *s = suite_create("http_fs");
        TCase *fs = tcase_create("openat2");

        tcase_add_unchecked_fixture(fs, fixture_setup, fixture_teardown);
        tcase_add_loop_test(fs, test_open, 0, ELEMENTSOF(opens));
        tcase_add_test(fs, test_autoindex);
        tcase_add_loop_test(fs, test_open_fallback, 0, ELEMENTSOF(opens));
        tcase_add_test(fs, test_autoindex_fallback);
        suite_add_tcase(s, fs);
        return s;
}

TEST_MAIN(http_fs_suite)
