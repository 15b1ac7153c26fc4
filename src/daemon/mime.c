/* mime.c — PURE: the extension -> media type table behind every Content-Type the HTTP
 * service sends. Built once at start from /etc/mime.types (read by http_server) plus a
 * built-in fallback, so a system without media-types still serves pages correctly. */

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

/* mime.types is split into lines on LF and each line into tokens on these. */
#define MIME_LINE_SEPARATORS "\n"
#define MIME_TOKEN_SEPARATORS " \t\r"

typedef struct MimeEntry {
        const char *ext;                /* lowercase, points into MimeTable.text or static */
        const char *type;               /* full Content-Type value */
        size_t order;                   /* first mapping wins among equal extensions */
} MimeEntry;

struct MimeTable {
        char *text;                     /* our copy of mime.types, tokens NUL-terminated */
        MimeEntry *entries;
        size_t n_entries;
        char **owned;                   /* "type; charset=utf-8" strings we allocated */
        size_t n_owned;
};

/* Enough for a lab's www/ and the usual web files when /etc/mime.types is missing. */
static const struct {
        const char *ext, *type;
} builtin[] = {
        { "html", "text/html" },         { "htm", "text/html" },
        { "css", "text/css" },           { "js", "text/javascript" },
        { "mjs", "text/javascript" },    { "json", "application/json" },
        { "txt", "text/plain" },         { "md", "text/markdown" },
        { "csv", "text/csv" },           { "xml", "application/xml" },
        { "svg", "image/svg+xml" },      { "png", "image/png" },
        { "jpg", "image/jpeg" },         { "jpeg", "image/jpeg" },
        { "gif", "image/gif" },          { "webp", "image/webp" },
        { "ico", "image/vnd.microsoft.icon" }, { "avif", "image/avif" },
        { "woff", "font/woff" },         { "woff2", "font/woff2" },
        { "ttf", "font/ttf" },           { "otf", "font/otf" },
        { "pdf", "application/pdf" },    { "zip", "application/zip" },
        { "gz", "application/gzip" },    { "tar", "application/x-tar" },
        { "wasm", "application/wasm" },  { "mp4", "video/mp4" },
        { "webm", "video/webm" },        { "mp3", "audio/mpeg" },
        { "ogg", "audio/ogg" },          { "wav", "audio/wav" },
        { "bin", "application/octet-stream" },
};

static bool needs_charset(const char *type) {
        return strncmp(type, "text/", 5) == 0 || strcmp(type, "application/javascript") == 0 ||
               strcmp(type, "application/json") == 0;
}

static int entry_compare(const void *a, const void *b) {
        const MimeEntry *x = a, *y = b;
        int c = strcmp(x->ext, y->ext);

        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int mime_table_add_type(MimeTable *t, const char *type, const char **ret) {
        char *s;
        size_t n;

        if (!needs_charset(type)) {
                *ret = type;
                return 0;
        }
        n = strlen(type);
        s = malloc(n + sizeof("; charset=utf-8"));
        if (!s)
                return -ENOMEM;
        memcpy(s, type, n);
        memcpy(s + n, "; charset=utf-8", sizeof("; charset=utf-8"));
        t->owned[t->n_owned++] = s;
        *ret = s;
        return 0;
}

static void lowercase(char *s) {
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s = (char) (*s - 'A' + 'a');
}

int mime_table_new(const char *text, size_t len, MimeTable **ret) {
        _cleanup_(mime_table_freep) MimeTable *t = NULL;
        size_t max_entries = ELEMENTSOF(builtin), max_types = ELEMENTSOF(builtin), order = 0;
        char *line, *save = NULL;
        int r;

        assert(text || len == 0);
        assert(ret);

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->text = malloc(len + 1);
        if (!t->text)
                return -ENOMEM;
        if (len > 0)
                memcpy(t->text, text, len);
        t->text[len] = 0;

        /* Upper bounds: every token could be an extension or a type, and there is at most
         * one more token than separators. Count exactly the bytes the loop below splits on
         * (CR included, or a CR-separated file overflows the array). */
        for (size_t i = 0; i < len; i++)
                if (text[i] != 0 && strchr(MIME_LINE_SEPARATORS MIME_TOKEN_SEPARATORS, text[i])) {
                        max_entries++;
                        max_types++;
                }
        max_entries++;
        max_types++;
        t->entries = calloc(max_entries, sizeof(MimeEntry));
        t->owned = calloc(max_types, sizeof(char *));
        if (!t->entries || !t->owned)
                return -ENOMEM;

        for (line = strtok_r(t->text, MIME_LINE_SEPARATORS, &save); line;
             line = strtok_r(NULL, MIME_LINE_SEPARATORS, &save)) {
                char *hash = strchr(line, '#'), *tok, *save2 = NULL;
                const char *type = NULL;

                if (hash)
                        *hash = 0;
                for (tok = strtok_r(line, MIME_TOKEN_SEPARATORS, &save2); tok;
                     tok = strtok_r(NULL, MIME_TOKEN_SEPARATORS, &save2)) {
                        if (!type) {
                                if (!strchr(tok, '/'))
                                        break;          /* not a media type: skip the line */
                                r = mime_table_add_type(t, tok, &type);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (strlen(tok) > MIME_EXTENSION_MAX)
                                continue;
                        lowercase(tok);
                        t->entries[t->n_entries++] = (MimeEntry) { tok, type, order++ };
                }
        }

        for (size_t i = 0; i < ELEMENTSOF(builtin); i++) {
                const char *type;

                r = mime_table_add_type(t, builtin[i].type, &type);
                if (r < 0)
                        return r;
                t->entries[t->n_entries++] = (MimeEntry) { builtin[i].ext, type, order++ };
        }

        qsort(t->entries, t->n_entries, sizeof(MimeEntry), entry_compare);

        /* Keep the first mapping of each extension. */
        size_t k = 0;
        for (size_t i = 0; i < t->n_entries; i++)
                if (k == 0 || strcmp(t->entries[k - 1].ext, t->entries[i].ext) != 0)
                        t->entries[k++] = t->entries[i];
        t->n_entries = k;

        *ret = TAKE_PTR(t);
        return 0;
}

static int ext_compare(const void *key, const void *elem) {
        return strcmp(key, ((const MimeEntry *) elem)->ext);
}

const char *mime_table_lookup(const MimeTable *t, const char *name) {
        char ext[MIME_EXTENSION_MAX + 1];
        const char *slash, *dot;
        const MimeEntry *e;
        size_t n;

        assert(t);
        assert(name);

        slash = strrchr(name, '/');
        if (slash)
                name = slash + 1;
        dot = strrchr(name, '.');
        if (!dot || dot[1] == 0)
                return MIME_DEFAULT_TYPE;
        n = strlen(dot + 1);
        if (n > MIME_EXTENSION_MAX)
                return MIME_DEFAULT_TYPE;
        for (size_t i = 0; i <= n; i++) {
                char c = dot[1 + i];
                ext[i] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
        }

        e = bsearch(ext, t->entries, t->n_entries, sizeof(MimeEntry), ext_compare);
        return e ? e->type : MIME_DEFAULT_TYPE;
}

size_t mime_table_size(const MimeTable *t) {
        return t ? t->n_entries : 0;
}

MimeTable *mime_table_free(MimeTable *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_owned; i++)
                free(t->owned[i]);
        free(t->owned);
        free(t->entries);
        free(t->text);
        free(t);
        return NULL;
}
