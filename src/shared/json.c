/* json.c — the JSON writer and validator declared in json.h. Sits on strbuf.c and
 * nothing else; netlabd's metrics.c and netlab-ping's output call it. */
#include <assert.h>
#include <math.h>

#include "json.h"

void json_done(Json *j) {
        assert(j);
        strbuf_done(&j->buf);
        j->need_comma = false;
}

/* ---- escaping ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are invalid, RFC 3629 §4). */
static size_t utf8_valid_len(const unsigned char *s, size_t len) {
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

static bool json_plain(unsigned char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

void json_escape(StrBuf *b, const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;

        assert(b);
        assert(str || len == 0);

        for (size_t i = 0; i < len;) {
                size_t n = 0;

                /* Copy runs of printable ASCII that need no escape in one go. */
                while (i + n < len && json_plain(s[i + n]))
                        n++;
                if (n > 0) {
                        strbuf_put(b, str + i, n);
                        i += n;
                        continue;
                }

                switch (s[i]) {
                case '"':
                        strbuf_puts(b, "\\\"");
                        i++;
                        continue;
                case '\\':
                        strbuf_puts(b, "\\\\");
                        i++;
                        continue;
                case '\n':
                        strbuf_puts(b, "\\n");
                        i++;
                        continue;
                case '\r':
                        strbuf_puts(b, "\\r");
                        i++;
                        continue;
                case '\t':
                        strbuf_puts(b, "\\t");
                        i++;
                        continue;
                case '<':
                case '>':
                case '&':
                        /* Not required by RFC 8259, but keeps the document inert even if
                         * someone pastes it into HTML. */
                        strbuf_printf(b, "\\u%04x", s[i]);
                        i++;
                        continue;
                }
                if (s[i] < 0x20 || s[i] == 0x7f) {
                        strbuf_printf(b, "\\u%04x", s[i]);
                        i++;
                        continue;
                }
                n = utf8_valid_len(s + i, len - i);
                if (n == 0) {
                        strbuf_puts(b, "\\ufffd");      /* one replacement per bad byte */
                        i++;
                        continue;
                }
                strbuf_put(b, str + i, n);
                i += n;
        }
}

/* ---- the writer --------------------------------------------------------------------------- */

static void json_str_raw(Json *j, const char *s, size_t len) {
        strbuf_putc(&j->buf, '"');
        json_escape(&j->buf, s, len);
        strbuf_putc(&j->buf, '"');
}

/* Separator and member name before a value. */
static void json_begin(Json *j, const char *key) {
        assert(j);

        if (j->need_comma)
                strbuf_putc(&j->buf, ',');
        j->need_comma = false;
        if (key) {
                json_str_raw(j, key, strlen(key));
                strbuf_putc(&j->buf, ':');
        }
}

static void json_end(Json *j) {
        j->need_comma = true;
}

void json_object_open(Json *j, const char *key) {
        json_begin(j, key);
        strbuf_putc(&j->buf, '{');
}

void json_object_close(Json *j) {
        strbuf_putc(&j->buf, '}');
        json_end(j);
}

void json_array_open(Json *j, const char *key) {
        json_begin(j, key);
        strbuf_putc(&j->buf, '[');
}

void json_array_close(Json *j) {
        strbuf_putc(&j->buf, ']');
        json_end(j);
}

void json_null(Json *j, const char *key) {
        json_begin(j, key);
        strbuf_puts(&j->buf, "null");
        json_end(j);
}

void json_bool(Json *j, const char *key, bool value) {
        json_begin(j, key);
        strbuf_puts(&j->buf, value ? "true" : "false");
        json_end(j);
}

void json_u64(Json *j, const char *key, uint64_t value) {
        json_begin(j, key);
        strbuf_u64(&j->buf, value);
        json_end(j);
}

void json_i64(Json *j, const char *key, int64_t value) {
        json_begin(j, key);
        if (value < 0) {
                strbuf_putc(&j->buf, '-');
                strbuf_u64(&j->buf, (uint64_t) -(value + 1) + 1);      /* INT64_MIN too */
        } else
                strbuf_u64(&j->buf, (uint64_t) value);
        json_end(j);
}

void json_double(Json *j, const char *key, double value) {
        if (!isfinite(value)) {
                json_null(j, key);
                return;
        }
        json_begin(j, key);
        strbuf_double(&j->buf, value);
        json_end(j);
}

void json_fixed(Json *j, const char *key, double value, unsigned decimals) {
        if (!isfinite(value)) {
                json_null(j, key);
                return;
        }
        json_begin(j, key);
        strbuf_printf(&j->buf, "%.*f", (int) MIN(decimals, 17u), value);
        json_end(j);
}

void json_string_len(Json *j, const char *key, const char *value, size_t len) {
        if (!value) {
                json_null(j, key);
                return;
        }
        json_begin(j, key);
        json_str_raw(j, value, len);
        json_end(j);
}

void json_string(Json *j, const char *key, const char *value) {
        json_string_len(j, key, value, value ? strlen(value) : 0);
}

void json_strv(Json *j, const char *key, char *const *strv) {
        if (!strv) {
                json_null(j, key);
                return;
        }
        json_array_open(j, key);
        for (; *strv; strv++)
                json_string(j, NULL, *strv);
        json_array_close(j);
}

void json_append_raw(Json *j, const char *s) {
        assert(j);
        assert(s);
        strbuf_puts(&j->buf, s);
}

int json_finish(Json *j, char **ret, size_t *ret_len) {
        assert(j);
        j->need_comma = false;
        return strbuf_finish(&j->buf, ret, ret_len);
}

/* ---- the validator ------------------------------------------------------------------------ */

#define JSON_DEPTH_MAX 64

typedef struct JsonCursor {
        const char *p;
        const char *end;
        unsigned depth;
} JsonCursor;

static bool jv_value(JsonCursor *c);

static void jv_ws(JsonCursor *c) {
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
                c->p++;
}

static bool jv_lit(JsonCursor *c, const char *lit) {
        size_t n = strlen(lit);

        if ((size_t) (c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
                return false;
        c->p += n;
        return true;
}

static bool is_digit(char ch) {
        return ch >= '0' && ch <= '9';
}

static bool is_xdigit(char ch) {
        return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool jv_string(JsonCursor *c) {
        if (c->p >= c->end || *c->p != '"')
                return false;
        c->p++;
        while (c->p < c->end) {
                unsigned char ch = (unsigned char) *c->p;
                size_t n;

                if (ch == '"') {
                        c->p++;
                        return true;
                }
                if (ch < 0x20)
                        return false;                   /* raw control character */
                if (ch == '\\') {
                        c->p++;
                        if (c->p >= c->end)
                                return false;
                        if (*c->p == 'u') {
                                for (int i = 1; i <= 4; i++)
                                        if (c->p + i >= c->end || !is_xdigit(c->p[i]))
                                                return false;
                                c->p += 5;
                        } else if (*c->p && strchr("\"\\/bfnrt", *c->p))
                                c->p++;
                        else
                                return false;
                        continue;
                }
                n = utf8_valid_len((const unsigned char *) c->p, (size_t) (c->end - c->p));
                if (n == 0)
                        return false;
                c->p += n;
        }
        return false;
}

static void jv_digits(JsonCursor *c) {
        while (c->p < c->end && is_digit(*c->p))
                c->p++;
}

static bool jv_number(JsonCursor *c) {
        if (c->p < c->end && *c->p == '-')
                c->p++;
        if (c->p >= c->end)
                return false;
        if (*c->p == '0')
                c->p++;
        else if (*c->p >= '1' && *c->p <= '9')
                jv_digits(c);
        else
                return false;
        if (c->p < c->end && *c->p == '.') {
                c->p++;
                if (c->p >= c->end || !is_digit(*c->p))
                        return false;
                jv_digits(c);
        }
        if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
                c->p++;
                if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
                        c->p++;
                if (c->p >= c->end || !is_digit(*c->p))
                        return false;
                jv_digits(c);
        }
        return true;
}

static bool jv_container(JsonCursor *c, char close, bool object) {
        c->p++;
        jv_ws(c);
        if (c->p < c->end && *c->p == close) {
                c->p++;
                return true;
        }
        for (;;) {
                jv_ws(c);
                if (object) {
                        if (!jv_string(c))
                                return false;
                        jv_ws(c);
                        if (c->p >= c->end || *c->p != ':')
                                return false;
                        c->p++;
                }
                if (!jv_value(c))
                        return false;
                jv_ws(c);
                if (c->p >= c->end)
                        return false;
                if (*c->p == close) {
                        c->p++;
                        return true;
                }
                if (*c->p != ',')
                        return false;
                c->p++;
        }
}

static bool jv_value(JsonCursor *c) {
        bool ok;

        jv_ws(c);
        if (c->p >= c->end || ++c->depth > JSON_DEPTH_MAX)
                return false;
        switch (*c->p) {
        case '{':
                ok = jv_container(c, '}', true);
                break;
        case '[':
                ok = jv_container(c, ']', false);
                break;
        case '"':
                ok = jv_string(c);
                break;
        case 't':
                ok = jv_lit(c, "true");
                break;
        case 'f':
                ok = jv_lit(c, "false");
                break;
        case 'n':
                ok = jv_lit(c, "null");
                break;
        default:
                ok = jv_number(c);
        }
        c->depth--;
        return ok;
}

bool json_validate(const char *s, size_t len) {
        JsonCursor c = { .p = s, .end = s + len };

        assert(s || len == 0);

        if (!s || !jv_value(&c))
                return false;
        jv_ws(&c);
        return c.p == c.end;
}
