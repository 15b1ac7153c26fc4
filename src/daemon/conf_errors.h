/* conf_errors.h — the errors of one conf_load(): up to CONF_ERRORS_MAX, each with its
 * file and line, and what names what libconfig 1.5 leaves out (which setting is
 * duplicated, which include is missing, the real value of an integer it wrapped),
 * found through conf_scan's second read of the text. Used by conf.c only; the result,
 * ConfErrors, goes to conf_load()'s caller. */
#pragma once

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf_scan.h"

#define CONF_ERRORS_MAX 10              /* errors reported per file; the rest are counted */
#define CONF_ERRORS_FILE_MAX (1024 * 1024)      /* bytes of a file scanned; a config is a few KiB */
#define CONF_ERRORS_INCLUDES_MAX 8      /* included files scanned for integer literals */

/* What was wrong with a file, in file order (a syntax error ends the parse, so there is
 * then exactly one). */
typedef struct ConfErrors {
        size_t n;                       /* entries in e[] */
        unsigned n_more;                /* further errors found but not recorded */
        struct {
                char *file;             /* an included file's name (malloc'ed); NULL: the loaded file */
                unsigned line;          /* 1-based */
                char *msg;              /* malloc'ed: "'echo.loss' is 7, allowed range is 0..1" */
        } e[CONF_ERRORS_MAX];
} ConfErrors;

/* Frees the strings of @e and empties it. */
void conf_errors_done(ConfErrors *e);

/* The state of one load. Zero-initialise, then conf_errors_ctx_init(). */
typedef struct ConfErrorsCtx {
        ConfErrors list;
        const char *path;               /* the loaded file (borrowed) */
        const char *dir;                /* libconfig's include directory (borrowed) */
        ConfScan scan;                  /* of @path */
        struct {
                char *file;             /* as libconfig names it */
                ConfScan scan;
        } inc[CONF_ERRORS_INCLUDES_MAX];
        size_t n_inc;
} ConfErrorsCtx;

/* Reads @f (the opened @path, at most CONF_ERRORS_FILE_MAX bytes), scans it and rewinds
 * it for libconfig. @path and @dir are borrowed for the life of @ctx. Returns 0, -EFBIG,
 * -ENOMEM or a read error. */
int conf_errors_ctx_init(ConfErrorsCtx *ctx, const char *path, const char *dir, FILE *f);

/* Releases everything in @ctx, the recorded errors included. */
void conf_errors_ctx_done(ConfErrorsCtx *ctx);

/* Moves the recorded errors to *ret (which the caller releases with conf_errors_done()). */
void conf_errors_ctx_take(ConfErrorsCtx *ctx, ConfErrors *ret);

/* Records one error at @line of @file (NULL or @ctx->path: the loaded file), taking
 * @msg (malloc'ed; NULL means the caller ran out of memory). Past CONF_ERRORS_MAX it is
 * only counted. Returns -EBADMSG, or -ENOMEM. */
int conf_errors_add(ConfErrorsCtx *ctx, const char *file, unsigned line, char *msg);

/* Records libconfig's parse error of @lc, with the duplicated setting's path or the
 * include file's name (and why it did not open) where libconfig gives neither.
 * Returns -EBADMSG, or -ENOMEM. */
int conf_errors_add_parse(ConfErrorsCtx *ctx, const config_t *lc);

/* The exact value of integer setting @s as written in its file. Returns 0 with the sign
 * and magnitude in *ret_negative, *ret_magnitude and the literal in *ret_literal
 * (borrowed from @ctx); -ERANGE if it does not fit in 64 bits (*ret_literal set); or
 * -ENOENT if the text does not show it (then the outputs are untouched and libconfig's
 * value stands). */
int conf_errors_integer(ConfErrorsCtx *ctx, const config_setting_t *s, bool *ret_negative,
                        uint64_t *ret_magnitude, const char **ret_literal);
