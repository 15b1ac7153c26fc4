/* http_route.c — what to answer for a GET or HEAD: the dynamic endpoints, the hidden-file
 * policy, files (through the small-file cache or sendfile), the directory rules (301,
 * index, autoindex, 404) and the status for each error. Sits between http_conn's
 * parsed request and http_conn_respond(); the decisions themselves are http_serve's. */

#include <stdio.h>
#include <string.h>

#include "http_conn.h"
#include "http_route.h"
#include "http_fs.h"
#include "http_serve.h"

/* A regular file, from the cache (@e: body copied inline after the head) or from @fd
 * (owned; body by sendfile). Conditional requests and Range apply to both. */
static int route_file(HttpConn *c, const HttpRequest *req, const HttpCacheEntry *e, int fd,
                             const struct stat *fst, const char *name) {
        HttpConnEnv *env = http_conn_get_env(c);
        _cleanup_close_ int file_fd = fd;
        char etag_buf[HTTP_SERVE_ETAG_MAX];
        const struct stat *st = e ? &e->st : fst;
        const char *etag = e ? e->etag : http_serve_etag(st, etag_buf, sizeof(etag_buf));
        usec_t mtime = e ? e->mtime_usec
                         : (usec_t) st->st_mtim.tv_sec * USEC_PER_SEC + (usec_t) st->st_mtim.tv_nsec / 1000;
        uint64_t size = (uint64_t) st->st_size, first = 0, last = 0;
        HttpResponse resp = {
                .status = 200,
                .etag = etag,
                .last_modified_usec = mtime ?: 1,
                .last_modified = e ? e->last_modified : NULL,
                .accept_ranges = true,
        };
        HttpBody body = HTTP_BODY_NONE;
        int r;

        /* RFC 9110 §13.2.2: If-Match/If-Unmodified-Since first, then the 304 checks,
         * then Range. */
        if (http_serve_precondition_failed(req->if_match, req->if_unmodified_since, etag, mtime))
                return http_conn_respond_status(c, 412);

        if (http_serve_not_modified(req->if_none_match, req->if_modified_since, etag, mtime)) {
                resp.status = 304;
                return http_conn_respond(c, &resp, HTTP_BODY_NONE);
        }

        r = http_serve_range(req->range, req->if_range, etag, mtime, size, &first, &last);
        if (r == -ERANGE) {
                char page[512];

                resp.status = 416;
                resp.range_unsatisfied = true;
                resp.range_total = size;
                body.inline_p = page;
                body.inline_len = http_response_error_page(416, page, sizeof(page));
                resp.content_type = "text/html; charset=utf-8";
                resp.has_body_length = true;
                resp.content_length = body.inline_len;
                return http_conn_respond(c, &resp, body);
        }

        resp.content_type = e ? e->content_type : mime_table_lookup(env->mime, name);
        resp.has_body_length = true;
        if (r > 0) {
                resp.status = 206;
                resp.content_range = true;
                resp.range_first = first;
                resp.range_last = last;
                resp.range_total = size;
                resp.content_length = last - first + 1;
        } else {
                resp.content_length = size;
                first = 0;
        }

        if (e) {
                body.inline_p = e->data + first;
                body.inline_len = (size_t) resp.content_length;
        } else {
                body.file_fd = TAKE_FD(file_fd);
                body.file_off = first;
                body.file_len = resp.content_length;
        }
        return http_conn_respond(c, &resp, body);
}

/* Opens @key (relative to the root) through the small-file cache: on success either
 * *ret_entry is set (cached content) or *ret_fd is an open fd with *ret_st. */
static int route_open(HttpConn *c, const char *key, const HttpCacheEntry **ret_entry, int *ret_fd,
                      struct stat *ret_st) {
        HttpConnEnv *env = http_conn_get_env(c);
        usec_t t = http_conn_env_now(env);
        const HttpCacheEntry *e = NULL;
        int fd;

        if (env->cache) {
                e = http_cache_get(env->cache, key, t);
                if (e) {
                        *ret_entry = e;
                        *ret_fd = -EBADF;
                        return 0;
                }
        }

        fd = http_fs_open(env->root_fd, key, ret_st);
        if (fd < 0)
                return fd;
        if (env->cache && http_cache_put(env->cache, key, fd, ret_st, mime_table_lookup(env->mime, key), t, &e) >= 0) {
                safe_close(fd);
                *ret_entry = e;
                *ret_fd = -EBADF;
                return 0;
        }
        *ret_entry = NULL;
        *ret_fd = fd;
        return 0;
}

static unsigned serve_errno_to_status(int r) {
        switch (r) {
        case -EACCES:
        case -EPERM:
                return 403;
        case -ENOENT:
        case -ENOTDIR:
        case -EXDEV:
        case -ELOOP:
        case -ENAMETOOLONG:
        case -EISDIR:
                return 404;             /* also for escapes: never confirm what is outside */
        case -ENOMEM:
        case -EMFILE:
        case -ENFILE:
                return 503;
        default:
                return 500;
        }
}

int http_route_get(HttpConn *c, const HttpRequest *req) {
        HttpConnEnv *env = http_conn_get_env(c);
        const ConfHttp *h = &env->conf->http;
        char path[HTTP_SERVE_PATH_MAX], file[HTTP_SERVE_PATH_MAX + 256];
        const HttpCacheEntry *e;
        struct stat st;
        int n, fd, r;

        n = http_serve_normalize_path(req->path.p, req->path.len, path, sizeof(path));
        if (n == -ENAMETOOLONG)
                /* Longer than PATH_MAX, so it names no file: 404. The request-line limit
                 * (http.max_request_line, 414) is the parser's, and a target within it
                 * must not get a 414. */
                return http_conn_respond_status(c, 404);
        if (n < 0)
                return http_conn_respond_status(c, http_parse_errno_to_status(n));

        if (env->dynamic && ((h->metrics_path[0] && streq(path, h->metrics_path)) ||
                             (h->status_path[0] && streq(path, h->status_path)))) {
                HttpResponse resp = { .status = 200, .has_body_length = true };
                const char *ctype = NULL;
                char *body = NULL;
                size_t len = 0;

                r = env->dynamic(env->dynamic_userdata, path, http_conn_get_peer(c), &body, &len, &ctype);
                if (r == -EACCES)
                        return http_conn_respond_status(c, 403);
                if (r == -ENOENT)
                        return http_conn_respond_status(c, 404);
                if (r < 0)
                        return http_conn_respond_status(c, 503);
                resp.content_type = ctype;
                resp.content_length = len;
                return http_conn_respond(c, &resp, (HttpBody) { .mem = body, .mem_len = len, .file_fd = -EBADF });
        }

        if (!h->show_hidden && http_serve_path_hidden(path))
                return http_conn_respond_status(c, 404);

        if (path[n - 1] != '/') {
                r = route_open(c, path + 1, &e, &fd, &st);
                if (r >= 0)
                        return route_file(c, req, e, fd, &st, path);
                if (r != -EISDIR)
                        return http_conn_respond_status(c, serve_errno_to_status(r));

                /* A directory without the slash: relative links inside it need the slash. */
                char location[HTTP_SERVE_PATH_MAX * 3 + 2];
                HttpResponse resp = { .status = 301, .location = location, .has_body_length = true };
                char page[512];
                HttpBody body = HTTP_BODY_NONE;
                int l = http_serve_uri_escape(path, location, sizeof(location) - 2);

                if (l < 0)
                        return http_conn_respond_status(c, 414);
                location[l] = '/';
                location[l + 1] = 0;
                if (req->query.p && (size_t) l + 2 + req->query.len < sizeof(location)) {
                        location[l + 1] = '?';
                        memcpy(location + l + 2, req->query.p, req->query.len);
                        location[l + 2 + req->query.len] = 0;
                }
                body.inline_p = page;
                body.inline_len = http_response_error_page(301, page, sizeof(page));
                resp.content_type = "text/html; charset=utf-8";
                resp.content_length = body.inline_len;
                return http_conn_respond(c, &resp, body);
        }

        /* A directory: its index file, else a listing if enabled, else 404. */
        (void) snprintf(file, sizeof(file), "%s%s", path + 1, h->index);
        r = route_open(c, file, &e, &fd, &st);
        if (r >= 0)
                return route_file(c, req, e, fd, &st, file);
        if (r == -ENOENT && h->autoindex) {
                HttpResponse resp = { .status = 200, .content_type = "text/html; charset=utf-8",
                                      .has_body_length = true };
                char *body = NULL;
                size_t len = 0;

                r = http_fs_autoindex(env->root_fd, n == 1 ? "." : path + 1, path, h->show_hidden,
                                         &body, &len);
                if (r < 0)
                        return http_conn_respond_status(c, serve_errno_to_status(r));
                resp.content_length = len;
                return http_conn_respond(c, &resp, (HttpBody) { .mem = body, .mem_len = len, .file_fd = -EBADF });
        }
        return http_conn_respond_status(c, serve_errno_to_status(r == -EISDIR ? -ENOENT : r));
}

