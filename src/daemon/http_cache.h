/* http_cache.h — small-file cache of the HTTP service: the content, stat, ETag and
 * Content-Type of recently served small files, so a keep-alive hit costs one recv()
 * and one send() instead of openat2 + fstat + send + sendfile + close (what nginx's
 * open_file_cache and lighttpd's stat cache save). An entry is trusted for
 * HTTP_CACHE_VALID_USEC after it was read from disk; after that the file is opened
 * (beneath the root) again. Single-threaded; no I/O except reading a file's content in
 * http_cache_put(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "http_response.h"
#include "http_serve.h"
#include "macro.h"
#include "time_util.h"

#define HTTP_CACHE_VALID_USEC (1 * USEC_PER_SEC)   /* edits show up within a second */
#define HTTP_CACHE_FILE_MAX (8U * 1024U)            /* larger files go through sendfile() */
#define HTTP_CACHE_ENTRIES 256                       /* FIFO eviction beyond this */
#define HTTP_CACHE_BUCKETS 512

typedef struct HttpCacheEntry {
        char *key;                      /* path relative to the root ("dir/index.html") */
        struct stat st;
        usec_t mtime_usec;
        usec_t loaded_usec;             /* CLOCK_MONOTONIC when read from disk */
        const char *content_type;       /* borrowed from the MIME table */
        char etag[HTTP_SERVE_ETAG_MAX];
        char last_modified[HTTP_DATE_LEN + 1];
        char *data;                     /* st.st_size bytes */
        int next_in_bucket;             /* index, -1 = end */
} HttpCacheEntry;

typedef struct HttpCache HttpCache;

/* A new, empty cache; entries get their ETag under @etag_key (HTTP_SERVE_ETAG_KEY_SIZE
 * bytes, copied). Returns 0 with *ret, or -ENOMEM. */
int http_cache_new(const uint8_t *etag_key, HttpCache **ret);
HttpCache *http_cache_free(HttpCache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpCache *, http_cache_free);

/* The entry for @key if it was loaded less than HTTP_CACHE_VALID_USEC before @now_usec,
 * else NULL (a stale entry is dropped). Borrowed: valid until the next put or flush. */
const HttpCacheEntry *http_cache_get(HttpCache *c, const char *key, usec_t now_usec);

/* Reads the regular file @fd (borrowed; @st from fstat) into the cache under @key if it
 * is at most HTTP_CACHE_FILE_MAX bytes. Returns 0 with *ret set, -EFBIG if the file is
 * too large to cache, -EIO if it changed size while being read, or -ENOMEM / -errno. */
int http_cache_put(HttpCache *c, const char *key, int fd, const struct stat *st, const char *content_type,
                   usec_t now_usec, const HttpCacheEntry **ret);

/* Drops every entry (configuration reload: the root or the MIME mapping may change). */
void http_cache_flush(HttpCache *c);
