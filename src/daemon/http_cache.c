/* http_cache.c — small-file cache between http_route and the file system: a fixed
 * array of entries, a hash index by relative path, FIFO eviction, and a one-second
 * validity so edits to the document root show up quickly without a stat() per hit. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_cache.h"

struct HttpCache {
        HttpCacheEntry entries[HTTP_CACHE_ENTRIES];
        int buckets[HTTP_CACHE_BUCKETS];
        size_t next_victim;             /* FIFO position */
        uint8_t etag_key[HTTP_SERVE_ETAG_KEY_SIZE];
};

static unsigned hash_key(const char *s) {
        /* FNV-1a: short keys, no adversarial pressure beyond one bucket chain. */
        uint32_t h = 2166136261u;

        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * 16777619u;
        return h % HTTP_CACHE_BUCKETS;
}

int http_cache_new(const uint8_t *etag_key, HttpCache **ret) {
        HttpCache *c;

        assert(etag_key);
        assert(ret);

        c = calloc(1, sizeof(HttpCache));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < HTTP_CACHE_BUCKETS; i++)
                c->buckets[i] = -1;
        for (size_t i = 0; i < HTTP_CACHE_ENTRIES; i++)
                c->entries[i].next_in_bucket = -1;
        memcpy(c->etag_key, etag_key, sizeof(c->etag_key));
        *ret = c;
        return 0;
}

static void entry_drop(HttpCache *c, int idx) {
        HttpCacheEntry *e = &c->entries[idx];
        int *p;

        if (!e->key)
                return;
        for (p = &c->buckets[hash_key(e->key)]; *p >= 0; p = &c->entries[*p].next_in_bucket)
                if (*p == idx) {
                        *p = e->next_in_bucket;
                        break;
                }
        free(e->key);
        free(e->data);
        *e = (HttpCacheEntry) { .next_in_bucket = -1 };
}

void http_cache_flush(HttpCache *c) {
        if (!c)
                return;
        for (int i = 0; i < HTTP_CACHE_ENTRIES; i++)
                entry_drop(c, i);
        c->next_victim = 0;
}

HttpCache *http_cache_free(HttpCache *c) {
        http_cache_flush(c);
        free(c);
        return NULL;
}

static int find(const HttpCache *c, const char *key) {
        for (int i = c->buckets[hash_key(key)]; i >= 0; i = c->entries[i].next_in_bucket)
                if (streq(c->entries[i].key, key))
                        return i;
        return -1;
}

const HttpCacheEntry *http_cache_get(HttpCache *c, const char *key, usec_t now_usec) {
        int i;

        assert(c);
        assert(key);

        i = find(c, key);
        if (i < 0)
                return NULL;
        if (now_usec - c->entries[i].loaded_usec >= HTTP_CACHE_VALID_USEC) {
                entry_drop(c, i);
                return NULL;
        }
        return &c->entries[i];
}

int http_cache_put(HttpCache *c, const char *key, int fd, const struct stat *st, const char *content_type,
                   usec_t now_usec, const HttpCacheEntry **ret) {
        _cleanup_free_ char *k = NULL, *data = NULL;
        size_t size;
        ssize_t n;
        unsigned b;
        int i;

        assert(c);
        assert(key);
        assert(st);
        assert(ret);

        if (!S_ISREG(st->st_mode) || st->st_size < 0 || (uint64_t) st->st_size > HTTP_CACHE_FILE_MAX)
                return -EFBIG;
        size = (size_t) st->st_size;

        k = strdup(key);
        data = malloc(size + 1);        /* + 1: detect a file that grew since fstat() */
        if (!k || !data)
                return -ENOMEM;
        n = pread(fd, data, size + 1, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != size)
                return -EIO;

        i = find(c, key);
        if (i < 0) {
                i = (int) c->next_victim;
                c->next_victim = (c->next_victim + 1) % HTTP_CACHE_ENTRIES;
        }
        entry_drop(c, i);

        HttpCacheEntry *e = &c->entries[i];
        e->key = TAKE_PTR(k);
        e->data = TAKE_PTR(data);
        e->st = *st;
        e->mtime_usec = (usec_t) st->st_mtim.tv_sec * USEC_PER_SEC + (usec_t) st->st_mtim.tv_nsec / 1000;
        e->loaded_usec = now_usec;
        e->content_type = content_type;
        (void) http_serve_etag(st, c->etag_key, e->etag, sizeof(e->etag));
        (void) http_response_format_date(e->mtime_usec, e->last_modified);
        b = hash_key(e->key);
        e->next_in_bucket = c->buckets[b];
        c->buckets[b] = i;

        *ret = e;
        return 0;
}
