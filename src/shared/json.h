/* json.h — a small streaming JSON (RFC 8259) writer over a StrBuf, shared by netlabd's
 * /api/status and netlab-ping's --json. It remembers whether a comma is due, so callers
 * emit keys and values in order and check for errors once, at json_finish(). Output is
 * always valid JSON: strings are escaped and their invalid UTF-8 becomes U+FFFD,
 * non-finite numbers become null. Also a strict validator, for tests and self-checks.
 * Pure: no I/O, no log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

typedef struct Json {
        StrBuf buf;
        bool need_comma;
} Json;

/* Zero-initialise (`_cleanup_(json_done) Json j = {};`). Frees the buffer. */
void json_done(Json *j);

/* Every value function takes the member name @key inside an object, or NULL for an
 * array element or the top-level value. @key is escaped like any string. */

void json_object_open(Json *j, const char *key);
void json_object_close(Json *j);
void json_array_open(Json *j, const char *key);
void json_array_close(Json *j);

void json_null(Json *j, const char *key);
void json_bool(Json *j, const char *key, bool value);
void json_u64(Json *j, const char *key, uint64_t value);
void json_i64(Json *j, const char *key, int64_t value);

/* The shortest decimal that reads back as @value (strbuf_double()); NaN and infinities
 * become null. */
void json_double(Json *j, const char *key, double value);

/* @value with exactly @decimals digits after the point (printf "%.*f", for layouts that
 * promise a fixed precision); NaN and infinities become null. */
void json_fixed(Json *j, const char *key, double value, unsigned decimals);

/* A string; NULL becomes null. json_string_len() takes @len bytes (NULs allowed). */
void json_string(Json *j, const char *key, const char *value);
void json_string_len(Json *j, const char *key, const char *value, size_t len);

/* An array of the strings of the NULL-terminated @strv; NULL becomes null. */
void json_strv(Json *j, const char *key, char *const *strv);

/* Appends the text after the last value (typically "\n"), outside JSON's grammar. */
void json_append_raw(Json *j, const char *s);

/* Hands the document over, like strbuf_finish(): 0 with *ret (malloc'ed, caller frees)
 * and *ret_len (may be NULL), or -ENOMEM. */
int json_finish(Json *j, char **ret, size_t *ret_len);

/* Appends @len bytes of @s to @b escaped as the inside of a JSON string (no quotes):
 * '"', '\\' and control characters escaped, '<', '>' and '&' too (so the text stays inert
 * if pasted into HTML), each byte of invalid UTF-8 (RFC 3629 §4: overlong forms,
 * surrogates, code points above U+10FFFF, truncated sequences) as one "\ufffd". */
void json_escape(StrBuf *b, const char *s, size_t len);

/* True if @s[0..len) is exactly one JSON value (RFC 8259) with optional white space
 * around it, strings in valid UTF-8 and nesting at most 64 deep. */
bool json_validate(const char *s, size_t len);
