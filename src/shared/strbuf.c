/* strbuf.c — the growable string builder behind the metrics renderers, the JSON writer
 * and the daemon's status lines. Pure: calls only malloc/realloc and the C library's
 * formatting; never logs. */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "strbuf.h"

#define STRBUF_MIN_SIZE 4096

void strbuf_done(StrBuf *b) {
        assert(b);
        free(b->data);
        *b = (StrBuf) {};
}

bool strbuf_reserve(StrBuf *b, size_t extra) {
        size_t want;
        char *p;

        assert(b);

        if (b->error < 0)
                return false;
        if (extra < b->size && b->len + extra < b->size)       /* + 1 for the NUL fits */
                return true;
        if (extra > SIZE_MAX / 4 - b->len) {
                b->error = -ENOMEM;
                return false;
        }

        want = MAX(b->size * 2, b->len + extra + 1);
        want = MAX(want, (size_t) STRBUF_MIN_SIZE);
        p = realloc(b->data, want);
        if (!p) {
                b->error = -ENOMEM;
                return false;
        }
        if (!b->data)
                p[0] = '\0';
        b->data = p;
        b->size = want;
        return true;
}

void strbuf_u64(StrBuf *b, uint64_t v) {
        char tmp[20], *p = tmp + sizeof(tmp);

        do {
                *--p = (char) ('0' + v % 10);
                v /= 10;
        } while (v > 0);
        strbuf_put(b, p, (size_t) (tmp + sizeof(tmp) - p));
}

void strbuf_double(StrBuf *b, double v) {
        char tmp[32];

        assert(isfinite(v));

        /* Integral values (counts, whole milliseconds) need no float formatting at all. */
        if (fabs(v) < 9007199254740992.0 && v == (double) (int64_t) v) {
                if (v < 0)
                        strbuf_putc(b, '-');
                strbuf_u64(b, (uint64_t) fabs(v));
                return;
        }
        (void) snprintf(tmp, sizeof(tmp), "%.15g", v);
        if (strtod(tmp, NULL) != v)
                (void) snprintf(tmp, sizeof(tmp), "%.17g", v);
        strbuf_puts(b, tmp);
}

void strbuf_printf(StrBuf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        assert(b);
        assert(fmt);

        if (b->error < 0)
                return;

        /* First try in the space there is; format again only if it did not fit. */
        va_start(ap, fmt);
        n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->size - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->error = -EINVAL;
                return;
        }
        if (b->data && (size_t) n < b->size - b->len) {
                b->len += (size_t) n;
                return;
        }

        if (!strbuf_reserve(b, (size_t) n))
                return;
        va_start(ap, fmt);
        (void) vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

void strbuf_join(StrBuf *b, const char *sep, const char *s) {
        assert(b);
        assert(sep);
        assert(s);

        if (b->len > 0)
                strbuf_puts(b, sep);
        strbuf_puts(b, s);
}

const char *strbuf_str(const StrBuf *b) {
        assert(b);
        return b->data && b->error >= 0 ? b->data : "";
}

int strbuf_finish(StrBuf *b, char **ret, size_t *ret_len) {
        assert(b);
        assert(ret);

        if (!strbuf_reserve(b, 0))      /* also allocates for an empty body */
                return b->error;

        b->data[b->len] = '\0';
        if (ret_len)
                *ret_len = b->len;
        *ret = TAKE_PTR(b->data);
        *b = (StrBuf) {};
        return 0;
}
