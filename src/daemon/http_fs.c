/* http_fs.c — the HTTP service's file system access, all beneath the document root:
 * openat2(RESOLVE_BENEATH) with a user-space resolver for kernels or seccomp filters
 * that deny it, and the autoindex directory listing. Called by http_route (and the
 * cache loader through it); uses http_serve's pure escaping helpers, logs nothing. */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http_fs.h"
#include "http_serve.h"
#include "macro.h"

#define FALLBACK_SYMLINKS_MAX 40        /* like the kernel's MAXSYMLINKS */

/* Walks from the root through the already resolved (real, symlink-free) directories of
 * @done ("a/b" or ""), refusing symlinks, and returns an fd of the last one. */
static int fallback_open_dir(int root_fd, const char *done) {
        _cleanup_close_ int dir = -EBADF;
        char buf[HTTP_SERVE_PATH_MAX];
        char *save = NULL;

        dir = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        if (strlen(done) >= sizeof(buf))
                return -ENAMETOOLONG;
        strcpy(buf, done);
        for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int fd = openat(dir, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                safe_close(dir);
                dir = fd;
        }
        return TAKE_FD(dir);
}

/* openat2() is unavailable when a seccomp filter denies it with ENOSYS — systemd's
 * RestrictSUIDSGID= (implied by DynamicUser=yes, as in netlabd.service) does, because
 * seccomp cannot inspect struct open_how. Same contract, enforced in user space: every
 * component is opened with O_NOFOLLOW from the previous directory's fd (so the kernel
 * never follows a link for us), symlinks are read and resolved here, an absolute target
 * or a ".." above the root is -EXDEV, more than 40 links -ELOOP. */
static int open_beneath_fallback(int root_fd, const char *rel_path, int flags) {
        _cleanup_close_ int dir = -EBADF;
        char todo[HTTP_SERVE_PATH_MAX * 2], done[HTTP_SERVE_PATH_MAX] = "", link[HTTP_SERVE_PATH_MAX];
        unsigned links = 0;
        size_t done_len = 0;

        if (strlen(rel_path) >= sizeof(todo))
                return -ENAMETOOLONG;
        strcpy(todo, rel_path);

        dir = fallback_open_dir(root_fd, "");
        if (dir < 0)
                return dir;

        for (;;) {
                char *comp = todo, *rest;
                bool last;
                int fd;

                while (*comp == '/')
                        comp++;
                if (*comp == 0) {
                        /* Nothing left: the target is the directory we are in. */
                        fd = openat(dir, ".", flags | O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                        return fd < 0 ? -errno : fd;
                }
                rest = strchr(comp, '/');
                if (rest)
                        *rest++ = 0;
                else
                        rest = comp + strlen(comp);
                while (*rest == '/')
                        rest++;
                last = *rest == 0;

                if (streq(comp, ".")) {
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }
                if (streq(comp, "..")) {
                        char *slash;

                        if (done_len == 0)
                                return -EXDEV;
                        slash = strrchr(done, '/');
                        done_len = slash ? (size_t) (slash - done) : 0;
                        done[done_len] = 0;
                        safe_close(dir);
                        dir = fallback_open_dir(root_fd, done);
                        if (dir < 0)
                                return dir;
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }

                fd = openat(dir, comp, (last ? flags | O_NONBLOCK | O_NOCTTY : O_DIRECTORY) |
                                               O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                        if (last)
                                return fd;
                        if (done_len + 1 + strlen(comp) >= sizeof(done)) {
                                safe_close(fd);
                                return -ENAMETOOLONG;
                        }
                        done_len += (size_t) sprintf(done + done_len, "%s%s", done_len ? "/" : "", comp);
                        safe_close(dir);
                        dir = fd;
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }

                int saved = -errno;
                struct stat st;
                ssize_t n;

                if ((saved != -ELOOP && saved != -ENOTDIR) ||
                    fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                        return saved;
                if (++links > FALLBACK_SYMLINKS_MAX)
                        return -ELOOP;
                n = readlinkat(dir, comp, link, sizeof(link) - 1);
                if (n < 0)
                        return -errno;
                if (n == 0 || link[0] == '/')
                        return -EXDEV;          /* absolute: leaves the root, like RESOLVE_BENEATH */
                link[n] = 0;
                /* The link's target replaces the component: "target/rest". */
                if ((size_t) n + 1 + strlen(rest) + 1 > sizeof(todo))
                        return -ENAMETOOLONG;
                memmove(todo + n + 1, rest, strlen(rest) + 1);
                memcpy(todo, link, (size_t) n);
                todo[n] = '/';
        }
}

static int open_beneath(int root_fd, const char *rel_path, uint64_t flags) {
        struct open_how how = {
                .flags = flags | O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        /* glibc has no openat2() wrapper. */
        fd = (int) syscall(SYS_openat2, root_fd, rel_path, &how, sizeof(how));
        if (fd < 0 && errno == ENOSYS)
                return open_beneath_fallback(root_fd, rel_path, (int) flags);
        if (fd < 0)
                return -errno;
        return fd;
}

int http_fs_open(int root_fd, const char *rel_path, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        assert(root_fd >= 0);
        assert(rel_path && rel_path[0] != '/');
        assert(ret_st);

        fd = open_beneath(root_fd, rel_path, 0);
        if (fd < 0)
                return fd;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode)) {
                *ret_st = st;
                return -EISDIR;
        }
        if (!S_ISREG(st.st_mode))
                return -EPERM;                  /* FIFOs, devices, sockets are never served */

        *ret_st = st;
        return TAKE_FD(fd);
}

static int name_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

typedef struct NameList {
        char **names;
        size_t n;
} NameList;

static void name_list_done(NameList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
}

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

int http_fs_autoindex(int root_fd, const char *rel_path, const char *url_path, bool show_hidden,
                         char **ret_body, size_t *ret_len) {
        _cleanup_(name_list_done) NameList list = {};
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *body = NULL;
        size_t body_len = 0;
        char esc[HTTP_SERVE_PATH_MAX * 6], uri[HTTP_SERVE_PATH_MAX * 3];
        struct dirent *de;
        int fd;

        assert(rel_path);
        assert(url_path);
        assert(ret_body);
        assert(ret_len);

        fd = open_beneath(root_fd, rel_path, O_DIRECTORY);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                safe_close(fd);
                return r;
        }

        list.names = calloc(HTTP_FS_AUTOINDEX_MAX, sizeof(char *));
        if (!list.names)
                return -ENOMEM;
        while (list.n < HTTP_FS_AUTOINDEX_MAX && (errno = 0, de = readdir(d))) {
                bool is_dir = de->d_type == DT_DIR;
                struct stat st;
                size_t l;
                char *s;

                if (de->d_name[0] == '.' && (!show_hidden || de->d_name[1] == 0 || streq(de->d_name, "..")))
                        continue;
                if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)
                        is_dir = fstatat(dirfd(d), de->d_name, &st, 0) >= 0 && S_ISDIR(st.st_mode);
                l = strlen(de->d_name);
                s = malloc(l + 2);
                if (!s)
                        return -ENOMEM;
                memcpy(s, de->d_name, l);
                s[l] = is_dir ? '/' : 0;
                s[l + 1] = 0;
                list.names[list.n++] = s;
        }
        qsort(list.names, list.n, sizeof(char *), name_compare);

        f = open_memstream(&body, &body_len);
        if (!f)
                return -ENOMEM;
        if (http_serve_html_escape(url_path, esc, sizeof(esc)) < 0)
                return -ENAMETOOLONG;
        fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of %s</title></head>\n"
                   "<body><h1>Index of %s</h1><hr><pre>\n", esc, esc);
        if (!streq(url_path, "/"))
                fputs("<a href=\"../\">../</a>\n", f);
        for (size_t i = 0; i < list.n; i++) {
                /* The name is a path segment: "./" keeps a "a:b" name from reading as a scheme. */
                if (http_serve_uri_escape(list.names[i], uri, sizeof(uri)) < 0)
                        continue;
                fputs("<a href=\"./", f);
                if (http_serve_html_escape(uri, esc, sizeof(esc)) >= 0)
                        fputs(esc, f);
                fputs("\">", f);
                if (http_serve_html_escape(list.names[i], esc, sizeof(esc)) >= 0)
                        fputs(esc, f);
                fputs("</a>\n", f);
        }
        fputs("</pre><hr></body></html>\n", f);
        if (fflush(f) != 0 || ferror(f))
                return -ENOMEM;
        f = (fclose(f), NULL);

        *ret_len = body_len;
        *ret_body = TAKE_PTR(body);
        return 0;
}
