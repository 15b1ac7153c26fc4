/* fuzz_http_path.c — libFuzzer target for the request path: percent-decoding and dot
 * segment removal (http_serve_normalize_path()), the hidden-file test, URI and HTML
 * escaping (src/daemon/http_serve.c), then resolution beneath a document root
 * (http_fs_open(), http_fs_autoindex() for directories, src/daemon/http_fs.c). The root
 * is a fixture tree created in a temporary directory, next to an "outside" tree and full of
 * symlinks that try to leave it; the target asserts that every file or directory it gets
 * back is one of the tree's own inodes and that no listing names an outside file.
 * Built twice: as is (openat2 with RESOLVE_BENEATH) and with -DFUZZ_PATH_NO_OPENAT2,
 * which makes openat2() fail with ENOSYS through seccomp, as under netlabd.service, so
 * the user-space fallback resolver is fuzzed with the same assertions. */

#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef FUZZ_PATH_NO_OPENAT2
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "http_fs.h"
#include "http_serve.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define OUTSIDE_NAME "outside-secret"   /* in every name below outside/, in none below root/ */
#define INODES_MAX 64

static char base[1024];
static int root_fd = -EBADF;
static struct {
        dev_t dev;
        ino_t ino;
} inodes[INODES_MAX];
static size_t n_inodes;

static int collect(const char *fpath, const struct stat *st, int type, struct FTW *ftw) {
        assert(n_inodes < INODES_MAX);
        inodes[n_inodes].dev = st->st_dev;
        inodes[n_inodes].ino = st->st_ino;
        n_inodes++;
        return 0;
}

static bool inside(const struct stat *st) {
        for (size_t i = 0; i < n_inodes; i++)
                if (inodes[i].dev == st->st_dev && inodes[i].ino == st->st_ino)
                        return true;
        return false;
}

static int remove_one(const char *fpath, const struct stat *st, int type, struct FTW *ftw) {
        (void) remove(fpath);
        return 0;
}

static void cleanup(void) {
        if (root_fd >= 0)
                (void) close(root_fd);
        (void) nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_file(const char *rel, const char *content) {
        char p[2048];
        FILE *f;

        (void) snprintf(p, sizeof(p), "%s/%s", base, rel);
        f = fopen(p, "we");
        assert(f);
        assert(fputs(content, f) >= 0);
        assert(fclose(f) == 0);
}

static void make_dir(const char *rel) {
        char p[2048];

        (void) snprintf(p, sizeof(p), "%s/%s", base, rel);
        assert(mkdir(p, 0755) == 0);
}

static void make_link(const char *target, const char *rel) {
        char p[2048];

        (void) snprintf(p, sizeof(p), "%s/%s", base, rel);
        assert(symlink(target, p) == 0);
}

#ifdef FUZZ_PATH_NO_OPENAT2
/* openat2() -> ENOSYS, what systemd's RestrictSUIDSGID= does (tests/units_sandbox_exec.c). */
static void deny_openat2(void) {
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(filter), .filter = filter };

        assert(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
        assert(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0);
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        char p[2048];

#ifdef FUZZ_PATH_NO_OPENAT2
        deny_openat2();
#endif
        (void) snprintf(base, sizeof(base), "%s/netlab-fuzz-path.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        assert(mkdtemp(base));
        assert(atexit(cleanup) == 0);

        make_dir("outside");
        make_file("outside/" OUTSIDE_NAME ".txt", "secret\n");
        make_dir("outside/" OUTSIDE_NAME "-dir");
        make_file("outside/" OUTSIDE_NAME "-dir/" OUTSIDE_NAME "-2", "secret\n");

        make_dir("root");
        make_file("root/index.html", "<p>index</p>\n");
        make_dir("root/a");
        make_file("root/a/index.html", "a\n");
        make_dir("root/a/b");
        make_file("root/a/b/c.txt", "c\n");
        make_dir("root/.hidden");
        make_file("root/.hidden/h.txt", "h\n");
        make_dir("root/empty");
        make_file("root/sp ace%20.txt", "space\n");
        make_file("root/back\\slash", "backslash\n");
        make_file("root/\xc3\xbcn\xc3\xaf.txt", "utf-8\n");
        (void) snprintf(p, sizeof(p), "%s/root/fifo", base);
        assert(mkfifo(p, 0644) == 0);
        /* Links that stay inside... */
        make_link("a/b/c.txt", "root/in-file");
        make_link("a", "root/in-dir");
        make_link("../..", "root/a/b/up");
        make_link(".", "root/self");
        make_link("loop2", "root/loop1");
        make_link("loop1", "root/loop2");
        make_link("nowhere", "root/dangling");
        /* ... and links that try to leave. */
        make_link("../../outside/" OUTSIDE_NAME ".txt", "root/a/esc");
        make_link("../outside", "root/esc-dir");
        make_link("b/up/../outside", "root/a/esc-via-up");
        make_link("/etc/passwd", "root/etc");
        make_link("/proc/self/root", "root/proc");
        make_link("/dev/null", "root/dev-null");
        (void) snprintf(p, sizeof(p), "%s/outside/" OUTSIDE_NAME ".txt", base);
        make_link(p, "root/abs");
        (void) snprintf(p, sizeof(p), "%s/outside", base);
        make_link(p, "root/abs-dir");

        (void) snprintf(p, sizeof(p), "%s/root", base);
        assert(nftw(p, collect, 16, FTW_PHYS) == 0);
        root_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert(root_fd >= 0);
        return 0;
}

static void check_normalized(const char *path, int n) {
        assert(n > 0 && (size_t) n == strlen(path));
        assert(path[0] == '/');
        for (int i = 0; i < n; i++) {
                unsigned char c = (unsigned char) path[i];

                assert(c >= 0x20 && c != 0x7f);
                if (c != '/')
                        continue;
                /* No empty, "." or ".." segment survives (a trailing '/' may). */
                assert(i + 1 == n || path[i + 1] != '/');
                if (path[i + 1] == '.' && (path[i + 2] == '/' || path[i + 2] == 0))
                        assert(false);
                if (path[i + 1] == '.' && path[i + 2] == '.' && (path[i + 3] == '/' || path[i + 3] == 0))
                        assert(false);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char path[HTTP_SERVE_PATH_MAX], again[HTTP_SERVE_PATH_MAX];
        char uri[HTTP_SERVE_PATH_MAX * 3], html[HTTP_SERVE_PATH_MAX * 6];
        const char *rel;
        struct stat st;
        char *raw;
        int n, r, fd;

        /* An exact-size copy, so ASan catches any read past the end. */
        raw = malloc(size ?: 1);
        if (!raw)
                return 0;
        memcpy(raw, data, size);
        n = http_serve_normalize_path(raw, size, path, sizeof(path));
        free(raw);
        assert(n == -EBADMSG || n == -ENAMETOOLONG || n > 0);
        if (n < 0)
                return 0;
        check_normalized(path, n);

        /* Normalizing is idempotent up to escaping: escape the result, normalize again. */
        r = http_serve_uri_escape(path, uri, sizeof(uri));
        assert(r > 0);
        r = http_serve_normalize_path(uri, (size_t) r, again, sizeof(again));
        assert(r == n && strcmp(again, path) == 0);
        assert(http_serve_html_escape(path, html, sizeof(html)) >= 0);
        assert(http_serve_path_hidden(path) == (strstr(path, "/.") != NULL));

        rel = n == 1 ? "." : path + 1;
        fd = http_fs_open(root_fd, rel, &st);
        assert(fd >= 0 || fd == -ENOENT || fd == -ENOTDIR || fd == -EXDEV || fd == -ELOOP || fd == -EACCES ||
               fd == -EPERM || fd == -EISDIR || fd == -ENAMETOOLONG);
        if (fd >= 0) {
                struct stat fst;

                assert(fstat(fd, &fst) == 0);
                assert(inside(&fst));
                assert(fst.st_dev == st.st_dev && fst.st_ino == st.st_ino && S_ISREG(st.st_mode));
                (void) close(fd);
        } else if (fd == -EISDIR) {
                _cleanup_free_ char *body = NULL;
                size_t len = 0;

                assert(inside(&st) && S_ISDIR(st.st_mode));
                bool show_hidden = size % 2 == 1;

                r = http_fs_autoindex(root_fd, rel, path, show_hidden, &body, &len);
                assert(r == 0 || r == -ENOMEM);
                if (r == 0) {
                        assert(body && !memmem(body, len, OUTSIDE_NAME, strlen(OUTSIDE_NAME)));
                        /* A listing of a hidden directory names itself (the route
                         * refuses to list it unless show_hidden). */
                        if (!show_hidden && !http_serve_path_hidden(path))
                                assert(!memmem(body, len, ".hidden", strlen(".hidden")));
                }
        }
        return 0;
}
