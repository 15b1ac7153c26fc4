/* conf_scan.c — PURE: a small lexer and a stack-based walker over libconfig syntax
 * (comments #, //, slash-star; strings; names; scalars; = : ; , { } [ ] ( ); @include)
 * that records settings and includes for conf.c's error messages. It calls nothing but
 * libc string functions; it allocates only its two tables. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_scan.h"
#include "macro.h"

typedef enum TokType {
        TOK_EOF,
        TOK_NAME,
        TOK_STRING,
        TOK_SCALAR,
        TOK_PUNCT,
        TOK_INCLUDE,
        TOK_BAD,
} TokType;

typedef struct Lexer {
        const char *p, *end;
        unsigned line;
} Lexer;

typedef struct Token {
        TokType type;
        unsigned line;
        const char *start;
        size_t len;
        char punct;
} Token;

static bool is_name_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

static bool is_name_char(char c) {
        return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool is_scalar_char(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
               c == '+' || c == '-';
}

static void lex_skip_space(Lexer *l) {
        while (l->p < l->end) {
                char c = *l->p;

                if (c == '\n') {
                        l->line++;
                        l->p++;
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
                        l->p++;
                else if (c == '#' || (c == '/' && l->p + 1 < l->end && l->p[1] == '/')) {
                        while (l->p < l->end && *l->p != '\n')
                                l->p++;
                } else if (c == '/' && l->p + 1 < l->end && l->p[1] == '*') {
                        l->p += 2;
                        while (l->p < l->end && !(*l->p == '*' && l->p + 1 < l->end && l->p[1] == '/')) {
                                if (*l->p == '\n')
                                        l->line++;
                                l->p++;
                        }
                        l->p = l->p < l->end ? l->p + 2 : l->end;
                } else
                        return;
        }
}

static Token lex_next(Lexer *l) {
        Token t = {};

        lex_skip_space(l);
        t.line = l->line;
        t.start = l->p;
        if (l->p >= l->end) {
                t.type = TOK_EOF;
                return t;
        }

        char c = *l->p;
        if (c == '"') {
                l->p++;
                while (l->p < l->end && *l->p != '"') {
                        if (*l->p == '\\' && l->p + 1 < l->end)
                                l->p++;
                        if (*l->p == '\n')
                                l->line++;
                        l->p++;
                }
                if (l->p >= l->end) {
                        t.type = TOK_BAD;       /* unterminated: libconfig says so */
                        return t;
                }
                l->p++;
                t.type = TOK_STRING;
                t.start++;                      /* the contents, without the quotes */
                t.len = (size_t) (l->p - 1 - t.start);
                return t;
        }
        if (c == '@') {
                static const char kw[] = "@include";

                if ((size_t) (l->end - l->p) >= sizeof(kw) - 1 && memcmp(l->p, kw, sizeof(kw) - 1) == 0) {
                        l->p += sizeof(kw) - 1;
                        t.type = TOK_INCLUDE;
                } else
                        t.type = TOK_BAD;
                return t;
        }
        if (is_name_start(c)) {
                while (l->p < l->end && is_name_char(*l->p))
                        l->p++;
                t.type = TOK_NAME;
                t.len = (size_t) (l->p - t.start);
                return t;
        }
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
                while (l->p < l->end && is_scalar_char(*l->p))
                        l->p++;
                t.type = TOK_SCALAR;
                t.len = (size_t) (l->p - t.start);
                return t;
        }
        if (strchr("=:;,{}[]()", c)) {
                l->p++;
                t.type = TOK_PUNCT;
                t.punct = c;
                t.len = 1;
                return t;
        }
        t.type = TOK_BAD;
        return t;
}

static void copy_cut(char *dst, size_t size, const char *src, size_t len) {
        len = MIN(len, size - 1);
        memcpy(dst, src, len);
        dst[len] = '\0';
}

static int scan_add_entry(ConfScan *s, const char *path, unsigned line, const Token *value) {
        ConfScanEntry *e;

        if (s->n_entries >= CONF_SCAN_ENTRIES_MAX)
                return 0;
        if (s->n_entries % 64 == 0) {
                ConfScanEntry *n = realloc(s->entries, (s->n_entries + 64) * sizeof(ConfScanEntry));

                if (!n)
                        return -ENOMEM;
                s->entries = n;
        }
        e = s->entries + s->n_entries;
        *e = (ConfScanEntry) { .line = line };
        copy_cut(e->path, sizeof(e->path), path, strlen(path));
        e->name_off = (uint8_t) (strrchr(e->path, '.') ? strrchr(e->path, '.') + 1 - e->path : 0);
        if (value && (value->type == TOK_SCALAR || value->type == TOK_NAME))
                copy_cut(e->literal, sizeof(e->literal), value->start, value->len);
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].path, e->path)) {
                        e->first_line = s->entries[i].line;
                        break;
                }
        s->n_entries++;
        return 0;
}

static int scan_add_include(ConfScan *s, unsigned line, const Token *file) {
        ConfScanInclude *n;

        if (s->n_includes >= CONF_SCAN_ENTRIES_MAX)
                return 0;
        n = realloc(s->includes, (s->n_includes + 1) * sizeof(ConfScanInclude));
        if (!n)
                return -ENOMEM;
        s->includes = n;
        n[s->n_includes] = (ConfScanInclude) { .line = line };
        copy_cut(n[s->n_includes].file, sizeof(n->file), file->start, file->len);
        s->n_includes++;
        return 0;
}

typedef struct Frame {
        char kind;                      /* '{' a group (the root too), '[' or '(' a list */
        size_t path_len;                /* length of the path of this frame's setting */
        unsigned index;                 /* lists: next element's index */
} Frame;

/* Appends ".@name" (or "@name" at the root) to @path, cutting at the buffer's end. */
static void path_push(char *path, size_t size, const char *name, size_t len) {
        size_t l = strlen(path);

        if (l > 0 && l + 1 < size)
                path[l++] = '.';
        copy_cut(path + l, size - l, name, len);
}

int conf_scan(const char *text, size_t len, ConfScan *ret) {
        Frame stack[CONF_SCAN_DEPTH_MAX] = { { .kind = '{' } };
        char path[CONF_SCAN_PATH_MAX] = "";
        Lexer l = { .p = text, .end = text + len, .line = 1 };
        size_t depth = 0;
        int r;

        assert(text || len == 0);
        assert(ret);

        *ret = (ConfScan) {};
        for (;;) {
                Frame *f = stack + depth;
                Token t = lex_next(&l), v;
                Lexer saved;

                if (t.type == TOK_EOF || t.type == TOK_BAD)
                        return 0;

                if (f->kind != '{') {
                        /* A list or an array: unnamed elements. */
                        char idx[16];

                        if (t.type == TOK_PUNCT && (t.punct == ']' || t.punct == ')')) {
                                path[f->path_len] = '\0';
                                depth--;
                                path[stack[depth].path_len] = '\0';
                                continue;
                        }
                        if (t.type == TOK_PUNCT && t.punct == ',')
                                continue;
                        if (t.type != TOK_PUNCT) {
                                f->index++;
                                continue;
                        }
                        if ((t.punct != '{' && t.punct != '[' && t.punct != '(') ||
                            depth + 1 >= CONF_SCAN_DEPTH_MAX)
                                return 0;
                        path[f->path_len] = '\0';
                        (void) snprintf(idx, sizeof(idx), "[%u]", f->index++);
                        path_push(path, sizeof(path), idx, strlen(idx));
                        stack[++depth] = (Frame) { .kind = t.punct, .path_len = strlen(path) };
                        continue;
                }

                /* A group (or the root): settings, separators, @include, the closing brace. */
                if (t.type == TOK_PUNCT && (t.punct == ';' || t.punct == ','))
                        continue;
                if (t.type == TOK_PUNCT && t.punct == '}' && depth > 0) {
                        depth--;
                        path[stack[depth].path_len] = '\0';
                        continue;
                }
                if (t.type == TOK_INCLUDE) {
                        v = lex_next(&l);
                        if (v.type != TOK_STRING)
                                return 0;
                        r = scan_add_include(ret, t.line, &v);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (t.type != TOK_NAME)
                        return 0;
                v = lex_next(&l);
                if (v.type != TOK_PUNCT || (v.punct != '=' && v.punct != ':'))
                        return 0;
                v = lex_next(&l);

                path[f->path_len] = '\0';
                path_push(path, sizeof(path), t.start, t.len);
                r = scan_add_entry(ret, path, t.line, &v);
                if (r < 0)
                        return r;

                if (v.type == TOK_PUNCT && (v.punct == '{' || v.punct == '[' || v.punct == '(')) {
                        if (depth + 1 >= CONF_SCAN_DEPTH_MAX)
                                return 0;
                        stack[++depth] = (Frame) { .kind = v.punct, .path_len = strlen(path) };
                        continue;
                }
                if (v.type == TOK_STRING)
                        /* "a" "b" is one string in libconfig. */
                        for (;;) {
                                saved = l;
                                if (lex_next(&l).type != TOK_STRING) {
                                        l = saved;
                                        break;
                                }
                        }
                else if (v.type != TOK_SCALAR && v.type != TOK_NAME)
                        return 0;
                path[f->path_len] = '\0';
        }
}

void conf_scan_done(ConfScan *s) {
        if (!s)
                return;
        free(s->entries);
        free(s->includes);
        *s = (ConfScan) {};
}

const ConfScanEntry *conf_scan_find(const ConfScan *s, const char *name, unsigned line) {
        const ConfScanEntry *best = NULL;
        bool negative;
        uint64_t m;

        assert(s);
        assert(name);

        for (size_t i = 0; i < s->n_entries; i++) {
                const ConfScanEntry *e = s->entries + i;

                if (!streq(conf_scan_entry_name(e), name) || e->line > line)
                        continue;
                if (e->line == line) {
                        if (!best || best->line != line ||
                            (conf_scan_integer(best->literal, &negative, &m) == -EINVAL &&
                             conf_scan_integer(e->literal, &negative, &m) != -EINVAL))
                                best = e;
                } else if (!best || e->line > best->line)
                        best = e;
        }
        return best;
}

const ConfScanEntry *conf_scan_find_duplicate(const ConfScan *s, unsigned line) {
        assert(s);

        for (size_t i = 0; i < s->n_entries; i++)
                if (s->entries[i].line == line && s->entries[i].first_line > 0)
                        return s->entries + i;
        return NULL;
}

const ConfScanInclude *conf_scan_find_include(const ConfScan *s, unsigned line) {
        assert(s);

        for (size_t i = 0; i < s->n_includes; i++)
                if (s->includes[i].line == line)
                        return s->includes + i;
        return NULL;
}

int conf_scan_integer(const char *literal, bool *ret_negative, uint64_t *ret_magnitude) {
        const char *p = literal;
        unsigned base = 10, n_digits = 0;
        bool negative = false;
        uint64_t v = 0;

        assert(literal);
        assert(ret_negative);
        assert(ret_magnitude);

        if (*p == '-' || *p == '+')
                negative = *p++ == '-';
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
        }
        for (; *p; p++, n_digits++) {
                unsigned d;

                if (*p >= '0' && *p <= '9')
                        d = (unsigned) (*p - '0');
                else if (base == 16 && *p >= 'a' && *p <= 'f')
                        d = (unsigned) (*p - 'a' + 10);
                else if (base == 16 && *p >= 'A' && *p <= 'F')
                        d = (unsigned) (*p - 'A' + 10);
                else
                        break;
                if (v > (UINT64_MAX - d) / base) {
                        /* Too big; still check that the rest is an integer literal. */
                        while ((*p >= '0' && *p <= '9') || (base == 16 && *p && strchr("abcdefABCDEF", *p)))
                                p++;
                        return streq(p, "") || streq(p, "L") || streq(p, "LL") ? -ERANGE : -EINVAL;
                }
                v = v * base + d;
        }
        if (n_digits == 0 || !(streq(p, "") || streq(p, "L") || streq(p, "LL")))
                return -EINVAL;
        *ret_negative = negative && v > 0;
        *ret_magnitude = v;
        return 0;
}
