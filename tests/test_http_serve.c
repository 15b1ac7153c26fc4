/* test_http_serve.c — path decoding and normalization (encoded dots, %2e%2e, ..%2f,
 * double slashes, backslashes, NUL), the hidden-file rule, conditional requests, Range,
 * and openat2 containment on a fixture tree built in a temporary directory (symlinks
 * inside and out of the root, absolute symlinks, loops, FIFOs). */

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

#include "http_serve.h"
#include "macro.h"
#include "tests.h"

static const struct {
        const char *in;
        int expect;                     /* 0: ok, else -errno */
        const char *out;
} paths[] = {
        { "/", 0, "/" },
        { "/index.html", 0, "/index.html" },
        { "/a/b/", 0, "/a/b/" },
        { "//a//b", 0, "/a/b" },
        { "/a/./b", 0, "/a/b" },
        { "/a/../b", 0, "/b" },
        { "/a/b/..", 0, "/a/" },
        { "/a/b/.", 0, "/a/b/" },
        { "/a/%2e%2e/b", 0, "/b" },
        { "/a/%2E%2E/b", 0, "/b" },
        { "/a/.%2e/b", 0, "/b" },
        { "/%2e%2e/x", -EBADMSG, NULL },
        { "/../x", -EBADMSG, NULL },
        { "/..", -EBADMSG, NULL },
        { "/a/../../x", -EBADMSG, NULL },
        { "/..%2fetc/passwd", -EBADMSG, NULL },
        { "/a/..%2f..%2fetc", -EBADMSG, NULL },
        { "/%2e%2e%2fetc%2fpasswd", -EBADMSG, NULL },
        { "/a%2fb", 0, "/a/b" },
        { "/a%252e%252e/b", 0, "/a%2e%2e/b" },  /* decoded once only */
        { "/a\\..\\b", 0, "/a\\..\\b" },          /* backslash is a file name byte */
        { "/..\\x", 0, "/..\\x" },
        { "/%00", -EBADMSG, NULL },
        { "/a%00.html", -EBADMSG, NULL },
        { "/a%0a", -EBADMSG, NULL },
        { "/a%7f", -EBADMSG, NULL },
        { "/a%", -EBADMSG, NULL },
        { "/a%4", -EBADMSG, NULL },
        { "/a%zz", -EBADMSG, NULL },
        { "/a%g0", -EBADMSG, NULL },
        { "/hello%20world.html", 0, "/hello world.html" },
        { "/caf%C3%A9", 0, "/caf\xc3\xa9" },
        { "a", -EBADMSG, NULL },
        { "", -EBADMSG, NULL },
        { "/.hidden", 0, "/.hidden" },
        { "/...", 0, "/..." },
};

START_TEST(test_normalize) {
        char buf[HTTP_SERVE_PATH_MAX];
        int r = http_serve_normalize_path(paths[_i].in, strlen(paths[_i].in), buf, sizeof(buf));

        if (paths[_i].expect == 0) {
                ck_assert_msg(r > 0, "'%s': %d", paths[_i].in, r);
                ck_assert_str_eq(buf, paths[_i].out);
                ck_assert_int_eq(r, strlen(paths[_i].out));
        } else
                ck_assert_msg(r == paths[_i].expect, "'%s': %d", paths[_i].in, r);
}
END_TEST

START_TEST(test_normalize_long) {
        char in[300], out[64];

        memset(in, 'a', sizeof(in));
        in[0] = '/';
        ck_assert_int_eq(http_serve_normalize_path(in, sizeof(in), out, sizeof(out)), -ENAMETOOLONG);
        ck_assert_int_eq(http_serve_normalize_path(in, sizeof(out) - 1, out, sizeof(out)), sizeof(out) - 1);
}
END_TEST

START_TEST(test_hidden_and_escape) {
        char buf[256];

        ck_assert(http_serve_path_hidden("/.git/config"));
        ck_assert(http_serve_path_hidden("/a/.env"));
        ck_assert(http_serve_path_hidden("/a/.b/"));
        ck_assert(!http_serve_path_hidden("/a/b.c"));
        ck_assert(!http_serve_path_hidden("/"));

        ck_assert_int_gt(http_serve_uri_escape("/a b/\"x\"<y>?#%", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/a%20b/%22x%22%3Cy%3E%3F%23%25");
        ck_assert_int_gt(http_serve_uri_escape("/caf\xc3\xa9", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/caf%C3%A9");
        ck_assert_int_eq(http_serve_uri_escape("/abc", buf, 4), -ENOBUFS);

        ck_assert_int_gt(http_serve_html_escape("<a href=\"x\">&'", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        ck_assert_int_eq(http_serve_html_escape("<<<", buf, 5), -ENOBUFS);
}
END_TEST

#define S(x) ((HttpSlice) { (x), sizeof(x) - 1 })
#define NONE ((HttpSlice) { NULL, 0 })
#define MTIME (784111777ULL * USEC_PER_SEC)     /* Sun, 06 Nov 1994 08:49:37 GMT */

static const struct {
        HttpSlice inm, ims;
        bool expect;
} conds[] = {
        { NONE, NONE, false },
        { S("\"e1\""), NONE, true },
        { S("W/\"e1\""), NONE, true },                  /* weak comparison */
        { S("\"x\", \"e1\""), NONE, true },
        { S("\"x\",\"y\""), NONE, false },
        { S("*"), NONE, true },
        { S("\"e1"), NONE, false },
        { S("e1"), NONE, false },
        { NONE, S("Sun, 06 Nov 1994 08:49:37 GMT"), true },
        { NONE, S("Sun, 06 Nov 1994 08:49:38 GMT"), true },
        { NONE, S("Sun, 06 Nov 1994 08:49:36 GMT"), false },
        { NONE, S("Sunday, 06-Nov-94 08:49:37 GMT"), true },
        { NONE, S("not a date at all, not at all"), false },
        { S("\"x\""), S("Sun, 06 Nov 1994 08:49:37 GMT"), false },  /* INM wins */
};

START_TEST(test_conditional) {
        ck_assert_int_eq(http_serve_not_modified(conds[_i].inm, conds[_i].ims, "\"e1\"", MTIME + 500000),
                         conds[_i].expect);
}
END_TEST

static const struct {
        HttpSlice im, ius;
        bool expect;
} preconds[] = {
        { NONE, NONE, false },
        { S("\"e1\""), NONE, false },
        { S("\"x\", \"e1\""), NONE, false },
        { S("*"), NONE, false },
        { S("\"x\""), NONE, true },
        { S("W/\"e1\""), NONE, true },                  /* strong comparison */
        { S("e1"), NONE, true },
        { NONE, S("Sun, 06 Nov 1994 08:49:37 GMT"), false },
        { NONE, S("Sun, 06 Nov 1994 08:49:38 GMT"), false },
        { NONE, S("Sun, 06 Nov 1994 08:49:36 GMT"), true },
        { NONE, S("garbage"), false },                  /* not a date: ignored */
        { S("\"e1\""), S("Sun, 06 Nov 1994 08:49:36 GMT"), false },  /* If-Match wins */
};

START_TEST(test_precondition) {
        ck_assert_msg(http_serve_precondition_failed(preconds[_i].im, preconds[_i].ius, "\"e1\"", MTIME + 500000) ==
                      preconds[_i].expect, "case %d", _i);
}
END_TEST

static const struct {
        HttpSlice range, if_range;
        int expect;
        uint64_t first, last;
} ranges[] = {
        { NONE, NONE, 0, 0, 0 },
        { S("bytes=0-9"), NONE, 1, 0, 9 },
        { S("bytes=10-"), NONE, 1, 10, 99 },
        { S("bytes=-10"), NONE, 1, 90, 99 },
        { S("bytes=-1000"), NONE, 1, 0, 99 },
        { S("bytes=50-1000"), NONE, 1, 50, 99 },
        { S("bytes=99-99"), NONE, 1, 99, 99 },
        { S("BYTES=0-0"), NONE, 1, 0, 0 },
        { S("bytes=100-"), NONE, -ERANGE, 0, 0 },
        { S("bytes=100-200"), NONE, -ERANGE, 0, 0 },
        { S("bytes=-0"), NONE, -ERANGE, 0, 0 },
        { S("bytes=99999999999999999999999-"), NONE, -ERANGE, 0, 0 },
        { S("bytes=5-1"), NONE, 0, 0, 0 },              /* invalid: ignored */
        { S("bytes=a-b"), NONE, 0, 0, 0 },
        { S("bytes=-"), NONE, 0, 0, 0 },
        { S("bytes="), NONE, 0, 0, 0 },
        { S("bytes=0-1,5-6"), NONE, 0, 0, 0 },          /* several: whole file */
        { S("bytes=0-1, 200-300"), NONE, 0, 0, 0 },     /* one satisfiable of several */
        { S("bytes=100-200,300-"), NONE, -ERANGE, 0, 0 },       /* none satisfiable: 416 */
        { S("bytes=100-200, -0"), NONE, -ERANGE, 0, 0 },
        { S("bytes=100-200,x"), NONE, 0, 0, 0 },        /* an invalid spec: ignored */
        { S("bytes=0-1,"), NONE, 1, 0, 1 },             /* empty list elements are allowed */
        { S("bytes= 0-1 "), NONE, 1, 0, 1 },
        { S("bytes=0 - 1"), NONE, 0, 0, 0 },            /* no OWS inside a spec */
        { S("bytes=0-99999999999999999999999"), NONE, 1, 0, 99 },   /* clamped */
        { (HttpSlice) { "bytes=0-1", 0 }, NONE, 0, 0, 0 },  /* doubled Range from the parser */
        { S("items=0-1"), NONE, 0, 0, 0 },
        { S("bytes=0-9"), S("\"e1\""), 1, 0, 9 },
        { S("bytes=0-9"), S("\"other\""), 0, 0, 0 },
        { S("bytes=0-9"), S("W/\"e1\""), 0, 0, 0 },     /* weak never matches If-Range */
        { S("bytes=0-9"), S("Sun, 06 Nov 1994 08:49:37 GMT"), 1, 0, 9 },
        { S("bytes=0-9"), S("Sun, 06 Nov 1994 08:49:38 GMT"), 0, 0, 0 },
};

START_TEST(test_range) {
        uint64_t first = 7, last = 7;
        int r = http_serve_range(ranges[_i].range, ranges[_i].if_range, "\"e1\"", MTIME, 100, &first, &last);

        ck_assert_msg(r == ranges[_i].expect, "case %d: %d", _i, r);
        if (r > 0) {
                ck_assert_uint_eq(first, ranges[_i].first);
                ck_assert_uint_eq(last, ranges[_i].last);
        }
}
END_TEST

/* If-Range with a date on a Wednesday: it starts with 'W' but is not a weak tag "W/". */
START_TEST(test_range_if_range_wednesday) {
        usec_t wed = MTIME + 3 * 24 * 3600 * USEC_PER_SEC;      /* Wed, 09 Nov 1994 08:49:37 GMT */
        uint64_t f = 7, l = 7;

        ck_assert_int_eq(http_serve_range(S("bytes=0-9"), S("Wed, 09 Nov 1994 08:49:37 GMT"), "\"e1\"", wed, 100,
                                          &f, &l), 1);
        ck_assert_uint_eq(f, 0);
        ck_assert_uint_eq(l, 9);
        ck_assert_int_eq(http_serve_range(S("bytes=0-9"), S("W/\"e1\""), "\"e1\"", wed, 100, &f, &l), 0);
}
END_TEST

START_TEST(test_range_empty_file) {
        uint64_t f, l;

        ck_assert_int_eq(http_serve_range(S("bytes=0-"), NONE, NULL, 0, 0, &f, &l), -ERANGE);
        ck_assert_int_eq(http_serve_range(S("bytes=-5"), NONE, NULL, 0, 0, &f, &l), -ERANGE);
}
END_TEST

START_TEST(test_etag) {
        struct stat st = { .st_ino = 0x10, .st_size = 0x20 };
        char a[HTTP_SERVE_ETAG_MAX], b[HTTP_SERVE_ETAG_MAX];

        st.st_mtim.tv_sec = 1;
        http_serve_etag(&st, a, sizeof(a));
        ck_assert_str_eq(a, "\"10-20-3b9aca00\"");
        st.st_mtim.tv_nsec = 1;                 /* a sub-second change is a new version */
        http_serve_etag(&st, b, sizeof(b));
        ck_assert_str_ne(a, b);
}
END_TEST

/* ---- openat2 on a real tree ---- */

static char tmpdir[] = "/tmp/netlab-test-serve.XXXXXX";
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
        int fd = http_serve_open(root_fd, opens[_i].rel, &st);

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

        fd = http_serve_open(root_fd, opens[_i].rel, &st);
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
        ck_assert_int_eq(http_serve_autoindex(root_fd, "dir/", "/dir/", false, &body, &len), 0);
        ck_assert_ptr_nonnull(strstr(body, ">a.txt<"));
        free(body);
        body = NULL;
        ck_assert_int_lt(http_serve_autoindex(root_fd, "link-out", "/x/", false, &body, &len), 0);
        ck_assert_int_eq(http_serve_autoindex(root_fd, "dir/up/dir/up/dir", "/d/", false, &body, &len), 0);
}
END_TEST

START_TEST(test_autoindex) {
        _cleanup_free_ char *body = NULL;
        size_t len = 0;

        ck_assert_int_eq(http_serve_autoindex(root_fd, "dir/", "/dir/", false, &body, &len), 0);
        ck_assert_int_eq(len, strlen(body));
        ck_assert_ptr_nonnull(strstr(body, "<title>Index of /dir/</title>"));
        ck_assert_ptr_nonnull(strstr(body, "<a href=\"./%3Cb%3E&amp;.txt\">&lt;b&gt;&amp;.txt</a>"));
        ck_assert_ptr_nonnull(strstr(body, "<a href=\"./up/\">up/</a>"));
        /* sorted: "<b>&.txt" < "a.txt" < "up/" */
        ck_assert(strstr(body, "&lt;b&gt;") < strstr(body, ">a.txt<"));
        ck_assert(strstr(body, ">a.txt<") < strstr(body, ">up/<"));
        free(body);
        body = NULL;

        ck_assert_int_eq(http_serve_autoindex(root_fd, ".", "/", false, &body, &len), 0);
        ck_assert_ptr_null(strstr(body, ".hidden"));
        ck_assert_ptr_null(strstr(body, "../"));
        free(body);
        body = NULL;
        ck_assert_int_eq(http_serve_autoindex(root_fd, ".", "/", true, &body, &len), 0);
        ck_assert_ptr_nonnull(strstr(body, ".hidden"));

        ck_assert_int_lt(http_serve_autoindex(root_fd, "link-out", "/x/", false, &body, &len), 0);
        ck_assert_int_eq(http_serve_autoindex(root_fd, "missing", "/missing/", false, &body, &len), -ENOENT);
}
END_TEST

static Suite *http_serve_suite(void) {
        Suite *s = suite_create("http_serve");
        TCase *tc = tcase_create("pure"), *fs = tcase_create("openat2");

        tcase_add_loop_test(tc, test_normalize, 0, ELEMENTSOF(paths));
        tcase_add_test(tc, test_normalize_long);
        tcase_add_test(tc, test_hidden_and_escape);
        tcase_add_loop_test(tc, test_conditional, 0, ELEMENTSOF(conds));
        tcase_add_loop_test(tc, test_precondition, 0, ELEMENTSOF(preconds));
        tcase_add_loop_test(tc, test_range, 0, ELEMENTSOF(ranges));
        tcase_add_test(tc, test_range_if_range_wednesday);
        tcase_add_test(tc, test_range_empty_file);
        tcase_add_test(tc, test_etag);
        suite_add_tcase(s, tc);

        tcase_add_unchecked_fixture(fs, fixture_setup, fixture_teardown);
        tcase_add_loop_test(fs, test_open, 0, ELEMENTSOF(opens));
        tcase_add_test(fs, test_autoindex);
        tcase_add_loop_test(fs, test_open_fallback, 0, ELEMENTSOF(opens));
        tcase_add_test(fs, test_autoindex_fallback);
        suite_add_tcase(s, fs);
        return s;
}

TEST_MAIN(http_serve_suite)
