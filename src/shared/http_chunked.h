/* http_chunked.h — an incremental decoder of the chunked transfer coding (RFC 9112 §7.1)
 * for both binaries: netlabd skips chunked request bodies with it, netlab-ping reads
 * chunked response bodies. Chunk sizes, extensions and trailer fields are checked; the
 * data is counted, not copied. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define HTTP_CHUNKED_LINE_MAX 4096      /* chunk extension or trailer line */
#define HTTP_CHUNKED_TRAILER_MAX 16384  /* the whole trailer section */

/* Decoder state. Zero-initialise it for each body; the fields are the decoder's, except
 * that the caller may read @total and @data. */
typedef struct HttpChunked {
        uint8_t state;
        uint8_t size_digits;
        uint16_t line_len;              /* bytes in the current extension or trailer line */
        uint32_t trailer_len;           /* all trailer bytes so far */
        uint64_t size;                  /* of the current chunk; then bytes left in it */
        uint64_t total;                 /* sum of the chunk sizes announced so far */
        uint64_t data;                  /* chunk data bytes consumed so far (<= total): what
                                         * arrived of a body that may be cut short */
} HttpChunked;

/* Feeds buf[0..len) to the decoder and sets *ret_consumed to the bytes that belong to
 * the body (the rest is what follows it: the next request, or extra bytes). Strict, like
 * the server's head parser: every line ends in CRLF (a bare LF after the size, an
 * extension, the data or a trailer is an error), an extension is ';' name ['=' token /
 * quoted-string] with whitespace only around ';' and '=', a trailer line is
 * name ':' value. @limit is the largest body (sum of chunk sizes) accepted; UINT64_MAX
 * for none. Returns:
 *   1          the body is complete (final chunk, trailers, CRLF)
 *   0          more is needed (all of buf consumed)
 *   -EBADMSG   bad syntax: bad size, bare CR or LF, an extension without ';', CTL in an
 *              extension or trailer, no CRLF after the data, line or trailer too long
 *   -EMSGSIZE  the chunk sizes add up to more than @limit, or a size of more than 16
 *              hex digits
 * After an error the state is undefined; *ret_consumed is set only on 0 and 1. */
int http_chunked_feed(HttpChunked *st, const char *buf, size_t len, uint64_t limit, size_t *ret_consumed);
