/* http_route.c — from a parsed request to a reply value: the dynamic endpoints and their
 * status_allow check, the hidden-file policy, files (through the small-file cache or an
 * fd for sendfile), the directory rules (301, index, autoindex) and all status pages.
 * Sits between http_parse_request() and http_conn's sending; calls http_serve (pure
 * decisions), http_fs (openat2, autoindex), http_cache, mime and metrics_peer_allowed().
 * Never touches a socket and never logs. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "http_fs.h"
#include "http_route.h"
#include "metrics.h"

#define HTML_TYPE "text/html; charset=utf-8"

/* Only the scalar fields: the two text buffers are written when used. */
static void reply_init(HttpReply *r, unsigned status) {
        r->head = (HttpResponse) { .status = status };
        r->data = NULL;
        r->data_len = 0;
        r->mem = NULL;
        r->mem_len = 0;
        r->fd = -EBADF;
        r->file_off = r->file_len = 0;
        r->close = false;
        r->oom = false;
        r->dashboard = false;
        r->reason = HTTP_REASON_NONE;
}

void http_reply_done(HttpReply *r) {
        if (!r)
                return;
        free(r->mem);
        r->mem = NULL;
        r->mem_len = 0;
        r->fd = safe_close(r->fd);
        r->file_len = 0;
}

/* An inline HTML page for @status as the body of *r (its head fields stay), saying why
 * when r->reason is set. */
static void reply_page(HttpReply *r, unsigned status) {
        r->data = r->page;
        r->data_len = http_response_error_page(status, http_reason_message(r->reason), r->page, sizeof(r->page));
        r->head.content_type = HTML_TYPE;
        r->head.has_body_length = true;
        r->head.content_length = r->data_len;
}

unsigned http_route_status(const HttpRouteCtx *ctx, HttpReason reason, HttpReply *ret) {
        unsigned status = http_reason_status(reason);

        assert(ctx);
        assert(ret);
        assert(status >= 400);

        reply_init(ret, status);
        ret->reason = reason;
        switch (status) {
        case 400: case 408: case 413: case 414: case 431: case 500: case 501: case 505:
                /* The framing of what follows is unknown or the peer is misbehaving: close,
                 * after draining what it already sent (so the reply is not lost to a RST). */
                ret->close = true;
                break;
        case 405:
                ret->head.allow = true;
                break;
        case 503:
                /* STYLE: on OOM the connection is closed after its 503, so a request
                 * that cannot be read is not parsed again and again. */
                ret->close = reason == HTTP_REASON_OUT_OF_MEMORY;
                break;
        }

        if (status == 404 && ctx->root_fd >= 0) {
                struct stat st;
                int fd = http_fs_open(ctx->root_fd, "404.html", &st);

                if (fd >= 0) {
                        ret->head.content_type = mime_table_lookup(ctx->mime, "404.html");
                        ret->head.has_body_length = true;
                        ret->head.content_length = (uint64_t) st.st_size;
                        ret->fd = fd;
                        ret->file_len = (uint64_t) st.st_size;
                        return status;
                }
        }

        reply_page(ret, status);
        return status;
}

static HttpReason fs_errno_to_reason(int r) {
        switch (r) {
        case -EACCES:
        case -EPERM:
                return HTTP_REASON_FORBIDDEN;
        case -ENOENT:
        case -ENOTDIR:
        case -EXDEV:
        case -ELOOP:
        case -ENAMETOOLONG:
        case -EISDIR:
                return HTTP_REASON_NOT_FOUND;   /* also for escapes: never confirm what is outside */
        case -ENOMEM:
                return HTTP_REASON_OUT_OF_MEMORY;
        case -EMFILE:
        case -ENFILE:
                return HTTP_REASON_OUT_OF_FDS;
        default:
                return HTTP_REASON_INTERNAL;
        }
}

static unsigned route_fs_error(const HttpRouteCtx *ctx, int r, HttpReply *ret) {
        unsigned status = http_route_status(ctx, fs_errno_to_reason(r), ret);

        ret->oom = r == -ENOMEM;
        return status;
}

/* A regular file, from the cache (@e: body borrowed from the entry) or from @fd (owned;
 * body by sendfile). Conditional requests and Range apply to both. */
static unsigned route_file(const HttpRouteCtx *ctx, const HttpRequest *req, const HttpCacheEntry *e,
                           int fd, const struct stat *fst, const char *name, HttpReply *ret) {
        _cleanup_close_ int file_fd = fd;
        char etag_buf[HTTP_SERVE_ETAG_MAX];
        const struct stat *st = e ? &e->st : fst;
        const char *etag = e ? e->etag : http_serve_etag(st, ctx->etag_key, etag_buf, sizeof(etag_buf));
        usec_t mtime = e ? e->mtime_usec
                         : (usec_t) st->st_mtim.tv_sec * USEC_PER_SEC + (usec_t) st->st_mtim.tv_nsec / 1000;
        uint64_t size = (uint64_t) st->st_size, first = 0, last = 0;
        int r;

        /* RFC 9110 §13.2.2: If-Match/If-Unmodified-Since first, then the 304 checks,
         * then Range. */
        if (http_serve_precondition_failed(req->if_match, req->if_unmodified_since, etag, mtime))
                return http_route_status(ctx, HTTP_REASON_PRECONDITION, ret);

        reply_init(ret, 200);
        ret->head.last_modified_usec = mtime ?: 1;
        ret->head.last_modified = e ? e->last_modified : NULL;
        ret->head.accept_ranges = true;
        if (!e) {
                /* Not from the cache: the ETag lives in this frame, and the reply outlives
                 * the call. */
                memcpy(ret->etag, etag_buf, sizeof(ret->etag));
                etag = ret->etag;
        }
        ret->head.etag = etag;

        if (http_serve_not_modified(req->if_none_match, req->if_modified_since, etag, mtime)) {
                ret->head.status = 304;
                return 304;
        }

        r = http_serve_range(req->range, req->if_range, etag, mtime, size, &first, &last);
        if (r == -ERANGE) {
                ret->head.status = 416;
                ret->head.range_unsatisfied = true;
                ret->head.range_total = size;
                ret->reason = HTTP_REASON_RANGE;
                reply_page(ret, 416);
                return 416;
        }

        ret->head.content_type = e ? e->content_type : mime_table_lookup(ctx->mime, name);
        ret->head.has_body_length = true;
        if (r > 0) {
                ret->head.status = 206;
                ret->head.content_range = true;
                ret->head.range_first = first;
                ret->head.range_last = last;
                ret->head.range_total = size;
                ret->head.content_length = last - first + 1;
        } else {
                ret->head.content_length = size;
                first = 0;
        }

        if (e) {
                ret->data = e->data + first;
                ret->data_len = (size_t) ret->head.content_length;
        } else {
                ret->fd = TAKE_FD(file_fd);
                ret->file_off = first;
                ret->file_len = ret->head.content_length;
        }
        return ret->head.status;
}

/* Opens @key (relative to the root) through the small-file cache: on success either
 * *ret_entry is set (cached content) or *ret_fd is an open fd with *ret_st. A cache
 * allocation failure is not an error (the file goes out by sendfile) but sets *ret_oom. */
static int route_open(const HttpRouteCtx *ctx, const char *key, const HttpCacheEntry **ret_entry,
                      int *ret_fd, struct stat *ret_st, bool *ret_oom) {
        const HttpCacheEntry *e = NULL;
        int fd, r;

        if (ctx->cache) {
                e = http_cache_get(ctx->cache, key, ctx->now_usec);
                if (e) {
                        *ret_entry = e;
                        *ret_fd = -EBADF;
                        return 0;
                }
        }

        fd = http_fs_open(ctx->root_fd, key, ret_st);
        if (fd < 0)
                return fd;
        if (ctx->cache) {
                r = http_cache_put(ctx->cache, key, fd, ret_st, mime_table_lookup(ctx->mime, key),
                                   ctx->now_usec, &e);
                if (r >= 0) {
                        safe_close(fd);
                        *ret_entry = e;
                        *ret_fd = -EBADF;
                        return 0;
                }
                if (r == -ENOMEM)
                        *ret_oom = true;
        }
        *ret_entry = NULL;
        *ret_fd = fd;
        return 0;
}

/* The configured path @path names, if any. An empty configured path is a disabled
 * endpoint and never matches. */
static HttpEndpoint route_endpoint(const ConfHttp *h, const char *path) {
        if (h->metrics_path && h->metrics_path[0] && streq(path, h->metrics_path))
                return HTTP_ENDPOINT_METRICS;
        if (h->status_path && h->status_path[0] && streq(path, h->status_path))
                return HTTP_ENDPOINT_STATUS;
        if (h->status_path && h->status_path[0] && streq(path, FLOWS_PATH))
                return HTTP_ENDPOINT_FLOWS;
        return _HTTP_ENDPOINT_INVALID;
}

static unsigned route_dynamic(const HttpRouteCtx *ctx, const HttpRequest *req, HttpEndpoint ep, HttpReply *ret) {
        const char *ctype = NULL;
        char *body = NULL;
        size_t len = 0;
        int r;

        if (metrics_peer_allowed(ctx->conf->http.status_allow, ctx->peer) <= 0)
                return http_route_status(ctx, HTTP_REASON_STATUS_ALLOW, ret);

        r = ctx->dynamic(ctx->dynamic_userdata, ep, req->query.p, req->query.len, &body, &len, &ctype);
        if (r == -EINVAL || r == -E2BIG)
                return http_route_status(ctx, HTTP_REASON_BAD_REQUEST, ret);
        if (r < 0) {
                (void) http_route_status(ctx, r == -ENOMEM ? HTTP_REASON_OUT_OF_MEMORY : HTTP_REASON_INTERNAL, ret);
                ret->oom = r == -ENOMEM;
                return ret->head.status;
        }

        reply_init(ret, 200);
        ret->head.content_type = ctype;
        ret->head.has_body_length = true;
        ret->head.content_length = len;
        ret->mem = body;
        ret->mem_len = len;
        return 200;
}

/* A directory named without the trailing slash: 301 to the slash (relative links inside
 * it need it), keeping the query. */
static unsigned route_redirect_slash(const HttpRouteCtx *ctx, const HttpRequest *req, const char *path,
                                     HttpReply *ret) {
        char *location = ret->location;
        int l;

        l = http_serve_uri_escape(path, location, sizeof(ret->location) - 2);
        if (l < 0)
                return http_route_status(ctx, HTTP_REASON_URI_TOO_LONG, ret);
        reply_init(ret, 301);
        location[l] = '/';
        location[l + 1] = 0;
        if (req->query.p && (size_t) l + 2 + req->query.len < sizeof(ret->location)) {
                location[l + 1] = '?';
                memcpy(location + l + 2, req->query.p, req->query.len);
                location[l + 2 + req->query.len] = 0;
        }
        ret->head.location = location;
        reply_page(ret, 301);
        return 301;
}

unsigned http_route_resolve(const HttpRouteCtx *ctx, const HttpRequest *req, HttpReply *ret) {
        const ConfHttp *h;
        char path[HTTP_SERVE_PATH_MAX], file[HTTP_SERVE_PATH_MAX + 256];
        const HttpCacheEntry *e;
        bool oom = false;
        struct stat st;
        HttpEndpoint ep;
        unsigned status;
        int n, fd, r;

        assert(ctx);
        assert(ctx->conf);
        assert(req);
        assert(ret);

        h = &ctx->conf->http;

        if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
                return http_route_status(ctx, HTTP_REASON_METHOD_NOT_ALLOWED, ret);

        n = http_serve_normalize_path(req->path.p, req->path.len, path, sizeof(path));
        if (n == -ENAMETOOLONG)
                /* Longer than PATH_MAX, so it names no file: 404. The request-line limit
                 * (http.max_request_line, 414) is the parser's, and a target within it
                 * must not get a 414. */
                return http_route_status(ctx, HTTP_REASON_NOT_FOUND, ret);
        if (n < 0)
                return http_route_status(ctx, n == -EBADMSG ? HTTP_REASON_PATH : http_reason_from_errno(n), ret);

        ep = ctx->dynamic ? route_endpoint(h, path) : _HTTP_ENDPOINT_INVALID;
        if (ep >= 0) {
                status = route_dynamic(ctx, req, ep, ret);
                ret->dashboard = true; /* counted apart, whatever the answer */
                return status;
        }

        if (!h->show_hidden && http_serve_path_hidden(path))
                return http_route_status(ctx, HTTP_REASON_NOT_FOUND, ret);

        if (path[n - 1] != '/') {
                r = route_open(ctx, path + 1, &e, &fd, &st, &oom);
                if (r >= 0)
                        status = route_file(ctx, req, e, fd, &st, path, ret);
                else if (r == -EISDIR)
                        status = route_redirect_slash(ctx, req, path, ret);
                else
                        status = route_fs_error(ctx, r, ret);
                ret->oom = ret->oom || oom;
                return status;
        }

        /* A directory: its index file, else a listing if enabled, else 404. */
        (void) snprintf(file, sizeof(file), "%s%s", path + 1, h->index);
        r = route_open(ctx, file, &e, &fd, &st, &oom);
        if (r >= 0)
                status = route_file(ctx, req, e, fd, &st, file, ret);
        else if (r == -ENOENT && h->autoindex) {
                char *body = NULL;
                size_t len = 0;

                r = http_fs_autoindex(ctx->root_fd, n == 1 ? "." : path + 1, path, h->show_hidden, &body, &len);
                if (r < 0)
                        status = route_fs_error(ctx, r, ret);
                else {
                        status = 200;
                        reply_init(ret, status);
                        ret->head.content_type = HTML_TYPE;
                        ret->head.has_body_length = true;
                        ret->head.content_length = len;
                        ret->mem = body;
                        ret->mem_len = len;
                }
        } else
                status = route_fs_error(ctx, r == -EISDIR ? -ENOENT : r, ret);
        ret->oom = ret->oom || oom;
        return status;
}
