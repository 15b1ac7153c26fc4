/* conf_errors.c — collects conf_load()'s errors and words what libconfig 1.5 leaves out.
 * Sits between conf.c (which finds the problems) and conf_scan.c (which re-reads the
 * text): it reads the loaded file's bytes once, and an included file's when a setting
 * from it needs its literal. Calls libc, libconfig's accessors and conf_scan; no logging.
 * Its words go through _() for `netlabd -t` (the running daemon is in the C locale). */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_errors.h"
#include "i18n.h"
#include "macro.h"

void conf_errors_done(ConfErrors *e) {
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++) {
                free(e->e[i].file);
                free(e->e[i].msg);
        }
        *e = (ConfErrors) {};
}

void conf_errors_ctx_done(ConfErrorsCtx *ctx) {
        conf_errors_done(&ctx->list);
        conf_scan_done(&ctx->scan);
        for (size_t i = 0; i < ctx->n_inc; i++) {
                free(ctx->inc[i].file);
                conf_scan_done(&ctx->inc[i].scan);
        }
        ctx->n_inc = 0;
}

void conf_errors_ctx_take(ConfErrorsCtx *ctx, ConfErrors *ret) {
        assert(ret);
        *ret = ctx->list;
        ctx->list = (ConfErrors) {};
}

int conf_errors_add(ConfErrorsCtx *err, const char *file, unsigned line, char *msg) {
        char *f = NULL;

        if (!msg)
                return -ENOMEM;
        if (err->list.n >= CONF_ERRORS_MAX) {
                free(msg);
                err->list.n_more++;
                return -EBADMSG;
        }
        if (file && !streq(file, err->path)) {
                f = strdup(file);
                if (!f) {
                        free(msg);
                        return -ENOMEM;
                }
        }
        err->list.e[err->list.n].file = f;
        err->list.e[err->list.n].line = line;
        err->list.e[err->list.n].msg = msg;
        err->list.n++;
        return -EBADMSG;
}

/* Reads all of @f (at most CONF_ERRORS_FILE_MAX bytes). Returns 0 with a malloc'ed,
 * NUL-terminated *ret and its length, -EFBIG, -ENOMEM or a read error. */
static int read_text(FILE *f, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = malloc(CONF_ERRORS_FILE_MAX + 1);
        size_t n;

        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, CONF_ERRORS_FILE_MAX + 1, f);
        if (ferror(f))
                return errno > 0 ? -errno : -EIO;
        if (n > CONF_ERRORS_FILE_MAX)
                return -EFBIG;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

int conf_errors_ctx_init(ConfErrorsCtx *ctx, const char *path, const char *dir, FILE *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        assert(ctx);
        assert(path);
        assert(f);

        ctx->path = path;
        ctx->dir = dir;
        r = read_text(f, &text, &len);
        if (r < 0)
                return r;
        r = conf_scan(text, len, &ctx->scan);
        if (r < 0)
                return r;
        rewind(f);
        return 0;
}

/* libconfig names an included file as written in @include; relative names are relative
 * to the include directory. Returns a malloc'ed path or NULL on OOM. */
static char *include_path(const ConfErrorsCtx *err, const char *file) {
        char *p;

        if (file[0] == '/' || !err->dir)
                return strdup(file);
        return asprintf(&p, "%s/%s", err->dir, file) < 0 ? NULL : p;
}

/* The scan of @file (the loaded file when NULL or equal to it), reading and scanning an
 * included file the first time. NULL when it cannot be read or scanned: the caller then
 * trusts libconfig. */
static const ConfScan *scan_of(ConfErrorsCtx *err, const char *file) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t len;

        if (!file || streq(file, err->path))
                return &err->scan;
        for (size_t i = 0; i < err->n_inc; i++)
                if (streq(err->inc[i].file, file))
                        return &err->inc[i].scan;
        if (err->n_inc >= ELEMENTSOF(err->inc))
                return NULL;

        p = include_path(err, file);
        if (!p)
                return NULL;
        f = fopen(p, "re");
        if (!f || read_text(f, &text, &len) < 0)
                return NULL;
        err->inc[err->n_inc].file = strdup(file);
        if (!err->inc[err->n_inc].file)
                return NULL;
        if (conf_scan(text, len, &err->inc[err->n_inc].scan) < 0) {
                free(err->inc[err->n_inc].file);
                conf_scan_done(&err->inc[err->n_inc].scan);
                return NULL;
        }
        return &err->inc[err->n_inc++].scan;
}

int conf_errors_add_parse(ConfErrorsCtx *err, const config_t *lc) {
        const char *file = config_error_file(lc), *text = config_error_text(lc) ?: "syntax error";
        unsigned line = (unsigned) MAX(config_error_line(lc), 0);
        const ConfScan *scan = scan_of(err, file);
        char *msg = NULL;

        if (scan && streq(text, "duplicate setting name")) {
                const ConfScanEntry *e = conf_scan_find_duplicate(scan, line);

                if (e && asprintf(&msg, _("duplicate setting '%s' (first set on line %u)"), e->path,
                                  e->first_line) < 0)
                        return -ENOMEM;
        } else if (scan && streq(text, "cannot open include file")) {
                const ConfScanInclude *inc = conf_scan_find_include(scan, line);
                _cleanup_free_ char *p = inc ? include_path(err, inc->file) : NULL;

                if (inc && !p)
                        return -ENOMEM;
                if (inc) {
                        /* libconfig does not keep errno: try the same open again. */
                        _cleanup_fclose_ FILE *f = fopen(p, "re");
                        int e = f ? 0 : errno;

                        /* Name it as written, and where it was looked for if that differs. */
                        if (asprintf(&msg, _("cannot open include file '%s'%s%s%s%s%s"), inc->file,
                                     streq(p, inc->file) || streq(err->dir, ".") ? "" : " (",
                                     streq(p, inc->file) || streq(err->dir, ".") ? "" : p,
                                     streq(p, inc->file) || streq(err->dir, ".") ? "" : ")", e ? ": " : "",
                                     e ? strerror(e) : "") < 0)
                                return -ENOMEM;
                }
        }
        if (!msg)
                msg = strdup(text);
        return conf_errors_add(err, file, line, msg);
}

int conf_errors_integer(ConfErrorsCtx *ctx, const config_setting_t *s, bool *ret_negative,
                        uint64_t *ret_magnitude, const char **ret_literal) {
        const char *name = config_setting_name(s);
        const ConfScanEntry *e;
        const ConfScan *scan;
        bool negative;
        uint64_t m;
        int r;

        assert(ctx);
        assert(s);

        scan = name ? scan_of(ctx, config_setting_source_file(s)) : NULL;
        e = scan ? conf_scan_find(scan, name, (unsigned) config_setting_source_line(s)) : NULL;
        if (!e)
                return -ENOENT;
        r = conf_scan_integer(e->literal, &negative, &m);
        if (r == -EINVAL)
                return -ENOENT;
        *ret_literal = e->literal;
        if (r < 0)
                return r;
        *ret_negative = negative;
        *ret_magnitude = m;
        return 0;
}
