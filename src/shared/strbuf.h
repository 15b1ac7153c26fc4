/* strbuf.h — a growable, always NUL-terminated string builder whose appends never fail
 * one by one: the first allocation failure latches -ENOMEM, every later append becomes a
 * no-op, and the caller checks once at the end (strbuf_finish()). Used by the renderers
 * of /metrics and /api/status, the JSON writer and every "build a message" helper, so
 * that code reads top-down instead of checking each snprintf(). Pure: no I/O, no log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"

typedef struct StrBuf {
        char *data;                     /* NULL until the first append; NUL-terminated after */
        size_t len;                     /* bytes used, without the NUL */
        size_t size;                    /* bytes allocated */
        int error;                      /* 0, or the latched -ENOMEM / -EINVAL */
} StrBuf;

/* Zero-initialise a StrBuf (`StrBuf b = {};`); no constructor is needed. */

/* Frees the buffer and resets @b to empty (error cleared). Use as
 * `_cleanup_(strbuf_done) StrBuf b = {};`. */
void strbuf_done(StrBuf *b);

/* Makes room for @extra more bytes plus the NUL. Returns true, or false when an error is
 * latched (now or earlier). Growth doubles, starting at 4 KiB. */
bool strbuf_reserve(StrBuf *b, size_t extra);

/* Appends @n bytes of @s (which may contain NULs). */
static inline void strbuf_put(StrBuf *b, const void *s, size_t n) {
        if (!strbuf_reserve(b, n))
                return;
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
}

static inline void strbuf_puts(StrBuf *b, const char *s) {
        strbuf_put(b, s, strlen(s));
}

static inline void strbuf_putc(StrBuf *b, char c) {
        strbuf_put(b, &c, 1);
}

/* Appends @v in decimal, without printf (a scrape formats hundreds of integers). */
void strbuf_u64(StrBuf *b, uint64_t v);

/* Appends a finite double in the shortest of %.15g / %.17g that reads back exactly
 * (integral values below 2^53 without any float formatting: "3", "-2"). The caller
 * handles NaN and infinities, whose spelling depends on the format (asserted). */
void strbuf_double(StrBuf *b, double v);

/* Appends printf-formatted text. A vsnprintf() failure latches -EINVAL. */
void strbuf_printf(StrBuf *b, const char *fmt, ...) _printf_(2, 3);

/* Appends @s joined to what is there by @sep, unless the buffer is still empty:
 * strbuf_join(b, ", ", "x") builds "a, b, x" one item at a time. */
void strbuf_join(StrBuf *b, const char *sep, const char *s);

/* The text so far ("" before the first append or after an error; never NULL). Borrowed:
 * valid until the next append or strbuf_done(). */
const char *strbuf_str(const StrBuf *b);

/* Hands the text over: returns 0 with *ret (malloc'ed, NUL-terminated, caller frees; an
 * empty buffer still gives "") and its length in *ret_len (may be NULL), leaving @b
 * empty; or the latched error (-ENOMEM, -EINVAL), with @b still to be freed by
 * strbuf_done(). */
int strbuf_finish(StrBuf *b, char **ret, size_t *ret_len);
