/* http_fs.h — file system access of the HTTP service, never outside the document root:
 * opening a file (openat2 RESOLVE_BENEATH, or a user-space resolver with the same
 * rules) and rendering a directory listing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define HTTP_FS_AUTOINDEX_MAX 4096      /* directory entries listed at most */

/* Opens @rel_path (no leading '/'; "." for the root) below the document root and never
 * outside it: the kernel enforces containment (RESOLVE_BENEATH), so a ".." or symlink
 * that would climb out, an absolute symlink or a /proc magic link fails instead of
 * escaping. Returns an fd >= 0 and fills *ret_st, or:
 *   -ENOENT/-ENOTDIR  nothing there                                    -> 404
 *   -EXDEV/-ELOOP     resolution tried to leave root, or a symlink loop -> 404
 *   -EACCES/-EPERM    not readable / not a regular file                -> 403
 *   -EISDIR           a directory (*ret_st is filled): caller tries the index
 * When openat2() fails with ENOSYS (old kernel, or a seccomp filter such as systemd's
 * RestrictSUIDSGID=), a user-space resolver with the same containment rules is used:
 * O_NOFOLLOW per component, symlinks resolved here, absolute targets -EXDEV.
 * The fd is O_RDONLY|O_CLOEXEC|O_NONBLOCK and owned by the caller. */
int http_fs_open(int root_fd, const char *rel_path, struct stat *ret_st);

/* Opens the directory @rel_path beneath the root (same containment as above) and renders
 * an HTML listing of it: names sorted, HTML-escaped and URI-escaped in links, dotfiles
 * only if @show_hidden, at most HTTP_FS_AUTOINDEX_MAX entries. @url_path is the
 * normalized request path (ends in '/'). Returns 0 with a malloc'ed *ret_body of
 * *ret_len bytes, or -ENOENT, -EACCES, -ENOMEM ... */
int http_fs_autoindex(int root_fd, const char *rel_path, const char *url_path, bool show_hidden,
                         char **ret_body, size_t *ret_len);
