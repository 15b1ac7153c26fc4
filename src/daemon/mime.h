/* mime.h — PURE: file name -> Content-Type. The table is built once from the text of
 * /etc/mime.types (Debian's media-types; the caller reads the file) merged with a small
 * built-in fallback, sorted, and searched with bsearch(). */
#pragma once

#include <stddef.h>

#include "macro.h"

#define MIME_DEFAULT_TYPE "application/octet-stream"
#define MIME_EXTENSION_MAX 32           /* longer extensions are never looked up */

typedef struct MimeTable MimeTable;

/* Builds a table from mime.types text (@text of @len bytes, copied; may be NULL for the
 * built-in fallback only). Lines are "type ext ext ...", '#' starts a comment. The
 * first mapping of an extension wins; the file wins over the fallback. "text/..." types
 * (and JavaScript, JSON) get "; charset=utf-8". Returns 0, or -ENOMEM. */
int mime_table_new(const char *text, size_t len, MimeTable **ret);

/* Content-Type for the file @name (a path or a base name): looked up by the extension
 * after the last '.' of the last component, case-insensitively. Returns a string owned
 * by the table (valid until mime_table_free()), MIME_DEFAULT_TYPE when unknown. */
const char *mime_table_lookup(const MimeTable *t, const char *name);

/* Number of extensions known (for the tests and the startup log). */
size_t mime_table_size(const MimeTable *t);

MimeTable *mime_table_free(MimeTable *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(MimeTable *, mime_table_free);
