/* comma_list.h — walks a comma-separated list as HTTP writes them (RFC 9110 §5.6.1,
 * "#rule": Connection, Transfer-Encoding, If-Match, Range, ...): members are separated by
 * commas, optional white space (SP, HTAB) around a member is not part of it, and empty
 * members are skipped ("a, ,b" has two). Works on a (pointer, length) slice of a header
 * value, never copies. Shared by the daemon's parser and the client's response reader.
 * Pure: no I/O, no log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Finds the next non-empty member of @s[*pos..len). Returns true with *ret_item pointing
 * into @s and *ret_len its length (> 0, without surrounding OWS), and *pos moved past it;
 * false when no member is left. Start with *pos = 0:
 *
 *     const char *item; size_t n, pos = 0;
 *     while (comma_list_next(value, len, &pos, &item, &n))
 *             ...
 */
bool comma_list_next(const char *s, size_t len, size_t *pos, const char **ret_item, size_t *ret_len);

/* True if a member of the list equals @token, compared case-insensitively in ASCII
 * (tokens such as "close" or "chunked" are case-insensitive, RFC 9110 §7.6.1, §10.1.4). */
bool comma_list_has(const char *s, size_t len, const char *token);
