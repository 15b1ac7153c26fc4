/* http_serve.h — PURE decisions for a GET/HEAD of a path below the document root:
 * percent-decoding and dot segments, hidden files, escaping, ETag, conditional requests,
 * Range. The file system side (openat2, autoindex) is http_fs.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "http_parse.h"
#include "time_util.h"

#define HTTP_SERVE_PATH_MAX 4096        /* decoded, normalized path incl. NUL */
#define HTTP_SERVE_ETAG_MAX 64
#define HTTP_SERVE_ETAG_KEY_SIZE 16     /* SipHash-2-4 key of the ETags */

/* Percent-decodes the absolute path @path[0..len) exactly once and removes dot segments
 * (RFC 3986 §5.2.4) and empty segments ("//"), into @buf (NUL-terminated). The result
 * starts with '/' and keeps a trailing '/' (also for "/a/." and "/a/.."). A backslash is
 * an ordinary character (POSIX file names may contain it). Returns the length, or:
 *   -EBADMSG       not starting with '/', invalid escape ("%zz", "%4"), "%00" or another
 *                  control character, or ".." above the root                   -> 400
 *   -ENAMETOOLONG  does not fit in @size (use HTTP_SERVE_PATH_MAX): names no file  -> 404 */
int http_serve_normalize_path(const char *path, size_t len, char *buf, size_t size);

/* True if a segment of the normalized @path starts with '.' (dotfiles, .git/ ...). */
bool http_serve_path_hidden(const char *path);

/* Percent-encodes @path for a Location header or an href: unreserved characters,
 * sub-delims, ':', '@' and '/' stay, everything else becomes %XX. Returns the length
 * written (NUL-terminated), or -ENOBUFS. */
int http_serve_uri_escape(const char *path, char *buf, size_t size);

/* Strong validator of a file: "\"<16 hex digits>\"", the SipHash-2-4 under @key
 * (HTTP_SERVE_ETAG_KEY_SIZE bytes, borrowed) of its inode, size and mtime (nanoseconds),
 * into @buf (>= HTTP_SERVE_ETAG_MAX). The same file under the same key always gets the
 * same tag, and the tag does not tell the inode number to whoever lacks the key (the
 * server derives it from /etc/machine-id, see http_server.c). Returns @buf. */
char *http_serve_etag(const struct stat *st, const uint8_t *key, char *buf, size_t size);

/* RFC 9110 §13.1.1, §13.1.4 and §13.2.2 steps 1-2: If-Match (strong comparison, "*"
 * matches the existing file) decides when present; otherwise If-Unmodified-Since, when
 * it parses, is compared with @mtime_usec at one-second resolution. True -> 412, before
 * any If-None-Match/If-Modified-Since or Range evaluation. */
bool http_serve_precondition_failed(HttpSlice if_match, HttpSlice if_unmodified_since, const char *etag,
                                    usec_t mtime_usec);

/* RFC 9110 §13.1.2, §13.1.3 and §13.2.2 for GET/HEAD: If-None-Match (weak comparison,
 * "*" matches any) decides when present; otherwise If-Modified-Since, when it parses,
 * is compared with @mtime_usec at one-second resolution. True -> 304. */
bool http_serve_not_modified(HttpSlice if_none_match, HttpSlice if_modified_since, const char *etag,
                             usec_t mtime_usec);

/* Evaluates Range (RFC 9110 §14.2) against a representation of @size bytes, honouring
 * If-Range (§13.1.5: strong ETag or exact date, otherwise the whole file). Returns:
 *   1        one satisfiable range: serve 206 with [*ret_first, *ret_last]
 *   0        no Range, a Range we ignore (other unit, bad syntax, several ranges of
 *            which at least one is satisfiable: the whole file is a valid answer), or
 *            a failed If-Range: serve 200
 *   -ERANGE  unsatisfiable (every range, if there are several): 416 with
 *            "Content-Range: bytes * /size" */
int http_serve_range(HttpSlice range, HttpSlice if_range, const char *etag, usec_t mtime_usec,
                     uint64_t size, uint64_t *ret_first, uint64_t *ret_last);

/* Appends @s HTML-escaped (& < > " ') into buf[0..size); returns the length written
 * (NUL-terminated) or -ENOBUFS. */
int http_serve_html_escape(const char *s, char *buf, size_t size);
