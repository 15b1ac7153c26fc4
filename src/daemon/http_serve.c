/* http_serve.c — PURE decisions about a parsed request: path decoding and normalization,
 * the hidden-file policy, URI and HTML escaping, validators, conditional and range
 * requests. No I/O, no clock: http_route calls it between http_parse_request() and
 * http_response_head(); the file system side is http_fs.c. */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http_response.h"
#include "http_serve.h"
#include "macro.h"
#include "parse_util.h"

int http_serve_normalize_path(const char *path, size_t len, char *buf, size_t size) {
        size_t n = 0, w, r;
        bool trailing = false;

        assert(path || len == 0);
        assert(buf);

        if (len == 0 || path[0] != '/')
                return -EBADMSG;

        /* Decode exactly once: "%252e" is the file "%2e", never "." (no double decoding). */
        for (size_t i = 0; i < len; i++) {
                unsigned char c = path[i];

                if (c == '%') {
                        int hi, lo;

                        if (i + 2 >= len)
                                return -EBADMSG;
                        hi = unhexchar(path[i + 1]);
                        lo = unhexchar(path[i + 2]);
                        if (hi < 0 || lo < 0)
                                return -EBADMSG;
                        c = (unsigned char) (hi * 16 + lo);
                        i += 2;
                }
                if (c < 0x20 || c == 0x7f)
                        return -EBADMSG;        /* %00 (would truncate the name) and other CTLs */
                if (n + 1 >= size)
                        return -ENAMETOOLONG;
                buf[n++] = (char) c;
        }
        buf[n] = 0;

        /* Remove dot and empty segments in place: the write position never passes the
         * read position. */
        w = 0;
        r = 0;
        while (r < n) {
                size_t s, l;

                assert(buf[r] == '/');
                s = ++r;
                while (r < n && buf[r] != '/')
                        r++;
                l = r - s;
                trailing = r >= n && (l == 0 || (l == 1 && buf[s] == '.') ||
                                      (l == 2 && buf[s] == '.' && buf[s + 1] == '.'));
                if (l == 0 || (l == 1 && buf[s] == '.'))
                        continue;
                if (l == 2 && buf[s] == '.' && buf[s + 1] == '.') {
                        if (w == 0)
                                return -EBADMSG;        /* above the root */
                        while (w > 0 && buf[w - 1] != '/')
                                w--;
                        w--;                            /* drop the '/' too */
                        continue;
                }
                buf[w++] = '/';
                memmove(buf + w, buf + s, l);
                w += l;
        }
        if (w == 0 || trailing)
                buf[w++] = '/';
        buf[w] = 0;
        return (int) w;
}

bool http_serve_path_hidden(const char *path) {
        assert(path);

        for (const char *p = path; (p = strchr(p, '/')); p++)
                if (p[1] == '.')
                        return true;
        return false;
}

int http_serve_uri_escape(const char *path, char *buf, size_t size) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;

        assert(path);
        assert(buf);

        for (const unsigned char *p = (const unsigned char *) path; *p; p++) {
                bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                            (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=:@/", *p);

                if (n + (keep ? 1 : 3) >= size)
                        return -ENOBUFS;
                if (keep)
                        buf[n++] = (char) *p;
                else {
                        buf[n++] = '%';
                        buf[n++] = hex[*p >> 4];
                        buf[n++] = hex[*p & 15];
                }
        }
        if (n >= size)
                return -ENOBUFS;
        buf[n] = 0;
        return (int) n;
}

int http_serve_html_escape(const char *s, char *buf, size_t size) {
        size_t n = 0;

        assert(s);
        assert(buf);

        for (; *s; s++) {
                const char *rep = NULL;
                size_t l;

                switch (*s) {
                case '&': rep = "&amp;"; break;
                case '<': rep = "&lt;"; break;
                case '>': rep = "&gt;"; break;
                case '"': rep = "&quot;"; break;
                case '\'': rep = "&#39;"; break;
                }
                l = rep ? strlen(rep) : 1;
                if (n + l >= size)
                        return -ENOBUFS;
                if (rep)
                        memcpy(buf + n, rep, l);
                else
                        buf[n] = *s;
                n += l;
        }
        if (n >= size)
                return -ENOBUFS;
        buf[n] = 0;
        return (int) n;
}

static uint64_t rotl64(uint64_t x, unsigned b) {
        return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const uint8_t *p) {
        uint64_t v = 0;

        for (int i = 7; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

#define SIPROUND(v0, v1, v2, v3)                                                        \
        do {                                                                            \
                v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);          \
                v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                \
                v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                \
                v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);          \
        } while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of @n 64-bit words: a keyed PRF, so the
 * output says nothing about the input to whoever lacks the key. */
static uint64_t siphash24_words(const uint8_t key[static 16], const uint64_t *m, size_t n) {
        uint64_t k0 = le64(key), k1 = le64(key + 8);
        uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
        uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
        uint64_t b = (uint64_t) (n * 8) << 56;

        for (size_t i = 0; i < n; i++) {
                v3 ^= m[i];
                SIPROUND(v0, v1, v2, v3);
                SIPROUND(v0, v1, v2, v3);
                v0 ^= m[i];
        }
        v3 ^= b;
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        v0 ^= b;
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
                SIPROUND(v0, v1, v2, v3);
        return v0 ^ v1 ^ v2 ^ v3;
}

char *http_serve_etag(const struct stat *st, const uint8_t *key, char *buf, size_t size) {
        assert(st);
        assert(key);
        assert(buf);

        uint64_t m[3] = {
                (uint64_t) st->st_ino,
                (uint64_t) st->st_size,
                (uint64_t) st->st_mtim.tv_sec * 1000000000ULL + (uint64_t) st->st_mtim.tv_nsec,
        };

        (void) snprintf(buf, size, "\"%016" PRIx64 "\"", siphash24_words(key, m, ELEMENTSOF(m)));
        return buf;
}

static bool is_ows(char c) {
        return c == ' ' || c == '\t';
}

/* RFC 9110 §8.8.3.2 weak comparison: opaque-tags equal, W/ ignored on both sides. */
static bool etag_weak_eq(const char *a, size_t al, const char *b, size_t bl) {
        if (al >= 2 && a[0] == 'W' && a[1] == '/')
                a += 2, al -= 2;
        if (bl >= 2 && b[0] == 'W' && b[1] == '/')
                b += 2, bl -= 2;
        return al == bl && al >= 2 && a[0] == '"' && memcmp(a, b, al) == 0;
}

/* Calls @f for each member of a comma-separated list (OWS around members dropped). */
static bool list_any(HttpSlice l, bool (*f)(const char *p, size_t len, const char *arg), const char *arg) {
        size_t i = 0;

        while (i < l.len) {
                size_t b, e;

                while (i < l.len && (is_ows(l.p[i]) || l.p[i] == ','))
                        i++;
                b = i;
                while (i < l.len && l.p[i] != ',')
                        i++;
                e = i;
                while (e > b && is_ows(l.p[e - 1]))
                        e--;
                if (e > b && f(l.p + b, e - b, arg))
                        return true;
        }
        return false;
}

/* RFC 9110 §8.8.3.2 strong comparison: both strong, same octets; "*" is handled here too. */
static bool etag_strong_match(const char *p, size_t len, const char *etag) {
        if (len == 1 && p[0] == '*')
                return true;
        return etag && len >= 2 && p[0] == '"' && strlen(etag) == len && memcmp(p, etag, len) == 0;
}

bool http_serve_precondition_failed(HttpSlice if_match, HttpSlice if_unmodified_since, const char *etag,
                                    usec_t mtime_usec) {
        usec_t since;

        /* §13.2.2 step 1: If-Match decides when present ("*": the file exists). */
        if (if_match.p)
                return !list_any(if_match, etag_strong_match, etag);
        /* Step 2: If-Unmodified-Since, ignored unless it is a valid HTTP-date (§13.1.4). */
        if (if_unmodified_since.p && http_response_parse_date(if_unmodified_since.p, if_unmodified_since.len,
                                                              &since) >= 0)
                return mtime_usec / USEC_PER_SEC > since / USEC_PER_SEC;
        return false;
}

bool http_serve_not_modified(HttpSlice inm, HttpSlice ims, const char *etag, usec_t mtime_usec) {
        usec_t since;

        if (inm.p) {
                size_t i = 0, el = etag ? strlen(etag) : 0;

                /* §13.2.2: when If-None-Match is present, If-Modified-Since is ignored. */
                while (i < inm.len) {
                        size_t b, e;

                        while (i < inm.len && (is_ows(inm.p[i]) || inm.p[i] == ','))
                                i++;
                        b = i;
                        while (i < inm.len && inm.p[i] != ',')
                                i++;
                        e = i;
                        while (e > b && is_ows(inm.p[e - 1]))
                                e--;
                        if (e == b + 1 && inm.p[b] == '*')
                                return true;
                        if (etag && e > b && etag_weak_eq(inm.p + b, e - b, etag, el))
                                return true;
                }
                return false;
        }

        if (ims.p && http_response_parse_date(ims.p, ims.len, &since) >= 0)
                return mtime_usec / USEC_PER_SEC <= since / USEC_PER_SEC;
        return false;
}

/* Parses 1*DIGIT at *p, saturating at UINT64_MAX (a huge first-pos is unsatisfiable,
 * not a syntax error). Returns false if there is no digit. */
static bool parse_pos(const char **p, const char *end, uint64_t *ret) {
        uint64_t v = 0;
        const char *s = *p;

        while (*p < end && **p >= '0' && **p <= '9') {
                unsigned d = (unsigned) (**p - '0');

                v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
                (*p)++;
        }
        *ret = v;
        return *p > s;
}

/* One range-spec in [p, end), trailing OWS allowed. Returns 1 (satisfiable, fills
 * *ret_first and *ret_last), -ERANGE (unsatisfiable), or 0 (invalid syntax). */
static int range_spec(const char *p, const char *end, uint64_t size, uint64_t *ret_first, uint64_t *ret_last) {
        uint64_t first, last;

        while (end > p && is_ows(end[-1]))
                end--;

        if (p < end && *p == '-') {
                uint64_t suffix;

                p++;
                if (!parse_pos(&p, end, &suffix) || p != end)
                        return 0;
                /* §14.1.3: a suffix of 0 bytes, or any range of an empty file, is
                 * unsatisfiable. */
                if (suffix == 0 || size == 0)
                        return -ERANGE;
                first = suffix >= size ? 0 : size - suffix;
                last = size - 1;
        } else {
                if (!parse_pos(&p, end, &first) || p >= end || *p != '-')
                        return 0;
                p++;
                if (p == end)
                        last = UINT64_MAX;
                else if (!parse_pos(&p, end, &last) || p != end || last < first)
                        return 0;
                if (first >= size)
                        return -ERANGE;
                if (last >= size)
                        last = size - 1;
        }

        *ret_first = first;
        *ret_last = last;
        return 1;
}

int http_serve_range(HttpSlice range, HttpSlice if_range, const char *etag, usec_t mtime_usec,
                     uint64_t size, uint64_t *ret_first, uint64_t *ret_last) {
        const char *p, *end;
        uint64_t first, last;

        assert(ret_first);
        assert(ret_last);

        if (!range.p)
                return 0;

        /* §13.1.5: If-Range with a strong ETag must match exactly, a date must equal
         * Last-Modified; otherwise send the whole representation. */
        if (if_range.p) {
                bool weak = if_range.len >= 2 && if_range.p[0] == 'W' && if_range.p[1] == '/';

                /* "W/" marks a weak tag; a bare 'W' is a date on a Wednesday. */
                if (weak || (if_range.len > 0 && if_range.p[0] == '"')) {
                        if (!etag || weak || strlen(etag) != if_range.len ||
                            memcmp(etag, if_range.p, if_range.len) != 0)
                                return 0;
                } else {
                        usec_t d;

                        if (http_response_parse_date(if_range.p, if_range.len, &d) < 0 ||
                            d / USEC_PER_SEC != mtime_usec / USEC_PER_SEC)
                                return 0;
                }
        }

        if (range.len < 6 || !http_parse_token_eq(range.p, 6, "bytes="))
                return 0;                       /* other range units are ignored */
        p = range.p + 6;
        end = range.p + range.len;

        /* range-set = 1#range-spec. One satisfiable spec -> 206; several -> 200 with the
         * whole file (allowed: §14.2 lets a server ignore Range) unless none of them is
         * satisfiable, which is a 416 (§15.5.17); any invalid spec -> the Range is
         * ignored. */
        unsigned n_specs = 0, n_ok = 0;
        while (p < end) {
                const char *e;
                int r;

                while (p < end && (is_ows(*p) || *p == ','))
                        p++;
                if (p >= end)
                        break;
                e = memchr(p, ',', (size_t) (end - p)) ?: end;
                r = range_spec(p, e, size, &first, &last);
                if (r == 0)
                        return 0;
                n_specs++;
                n_ok += r > 0;
                p = e;
        }
        if (n_specs == 0)
                return 0;
        if (n_ok == 0)
                return -ERANGE;
        if (n_specs > 1)
                return 0;

        *ret_first = first;
        *ret_last = last;
        return 1;
}
