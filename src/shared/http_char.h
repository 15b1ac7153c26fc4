/* http_char.h — the character classes of the HTTP grammar (RFC 9110 §5.5, §5.6): token
 * characters, field-value characters, optional whitespace, quoted-string text. Shared by
 * the server's request parser and the chunked decoder both binaries use. Pure: a
 * constant table and inline tests, no state. */
#pragma once

#include <stdbool.h>

/* tchar_table[c] is true for the tchars of RFC 9110 §5.6.2. Read it through
 * http_char_is_tchar(). */
extern const bool http_char_tchar_table[256];

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
static inline bool http_char_is_tchar(unsigned char c) {
        return http_char_tchar_table[c];
}

/* field-vchar (VCHAR / obs-text), SP and HTAB: everything else, CTLs and DEL included,
 * makes a field value invalid (RFC 9110 §5.5). */
static inline bool http_char_is_field(unsigned char c) {
        return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

/* OWS and BWS are made of SP and HTAB (RFC 9110 §5.6.3). */
static inline bool http_char_is_ows(char c) {
        return c == ' ' || c == '\t';
}

/* quoted-string's qdtext (RFC 9110 §5.6.4). */
static inline bool http_char_is_qdtext(unsigned char c) {
        return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) ||
               c >= 0x80;
}

/* The second byte of a quoted-pair: HTAB, SP, VCHAR or obs-text (RFC 9110 §5.6.4). */
static inline bool http_char_is_quoted_pair(unsigned char c) {
        return c == '\t' || c == ' ' || (c > 0x20 && c != 0x7f);
}
