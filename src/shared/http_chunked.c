/* http_chunked.c — PURE: the one decoder of the chunked transfer coding (RFC 9112 §7.1),
 * used by netlabd to check and skip request bodies (http_conn) and by netlab-ping to find
 * the end of a response body (ping_http). Calls only the character classes of
 * http_char.h and unhexchar(); no I/O, no allocation. */

#include <assert.h>
#include <errno.h>

#include "http_char.h"
#include "http_chunked.h"
#include "macro.h"
#include "parse_util.h"

/* RFC 9112 §7.1, strictly: every line ends in CRLF (no bare LF: a proxy that accepts one
 * where we do not, or the reverse, sees a different body and request boundary), and
 * extensions are ';' name ['=' (token / quoted-string)] with BWS only around ';' and
 * '='. Trailer lines are field lines: a name of tchars, ':', a value of field chars.
 *
 *   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   trailer-section = *( field-line CRLF ), then CRLF */
enum {
        CHUNK_SIZE,             /* hex digits */
        CHUNK_EXT_BWS,          /* whitespace after the size: only ';' may follow */
        CHUNK_EXT_NAME_START,   /* after ';': BWS, then a token */
        CHUNK_EXT_NAME,
        CHUNK_EXT_AFTER_NAME,   /* BWS after a name: '=' or ';' may follow */
        CHUNK_EXT_VAL_START,    /* after '=': BWS, then a token or a quoted-string */
        CHUNK_EXT_VAL_TOKEN,
        CHUNK_EXT_QUOTED,
        CHUNK_EXT_QUOTED_ESC,   /* after '\' in a quoted-string */
        CHUNK_EXT_VAL_END,      /* after a value: ';', BWS or CR */
        CHUNK_EXT_AFTER_VAL,    /* BWS after a value: only ';' may follow */
        CHUNK_SIZE_LF,          /* CR seen after the size line */
        CHUNK_DATA,
        CHUNK_DATA_CR,          /* CRLF after the data */
        CHUNK_DATA_LF,
        CHUNK_TRAILER_START,    /* start of a trailer line, or the final CRLF */
        CHUNK_TRAILER_NAME,     /* field name of a trailer line, up to ':' */
        CHUNK_TRAILER,          /* field value of a trailer line */
        CHUNK_TRAILER_LF,       /* CR seen at the end of a trailer line */
        CHUNK_END_LF,           /* CR of the final CRLF seen */
        CHUNK_DONE,
};

int http_chunked_feed(HttpChunked *st, const char *buf, size_t len, uint64_t limit, size_t *ret_consumed) {
        size_t i = 0;

        assert(st);
        assert(buf || len == 0);
        assert(ret_consumed);

        while (i < len && st->state != CHUNK_DONE) {
                char c = buf[i];
                int h;

                if (st->state >= CHUNK_EXT_BWS && st->state <= CHUNK_EXT_AFTER_VAL &&
                    ++st->line_len > HTTP_CHUNKED_LINE_MAX)
                        return -EBADMSG;

                switch (st->state) {
                case CHUNK_SIZE:
                        h = unhexchar(c);
                        if (h >= 0) {
                                if (st->size_digits >= 16)
                                        return -EMSGSIZE;
                                st->size = st->size * 16 + (uint64_t) h;
                                st->size_digits++;
                                break;
                        }
                        if (st->size_digits == 0)
                                return -EBADMSG;
                        /* total <= limit holds, so this cannot wrap (the client passes
                         * UINT64_MAX). */
                        if (st->size > limit - st->total)
                                return -EMSGSIZE;
                        st->total += st->size;
                        st->line_len = 0;
                        if (c == ';')
                                st->state = CHUNK_EXT_NAME_START;
                        else if (http_char_is_ows(c))
                                st->state = CHUNK_EXT_BWS;
                        else if (c == '\r')
                                st->state = CHUNK_SIZE_LF;
                        else
                                return -EBADMSG;        /* bare LF, or garbage after the size */
                        break;
                case CHUNK_EXT_BWS:
                case CHUNK_EXT_AFTER_VAL:
                        if (c == ';')
                                st->state = CHUNK_EXT_NAME_START;
                        else if (!http_char_is_ows(c))
                                return -EBADMSG;        /* an extension needs its ';' */
                        break;
                case CHUNK_EXT_NAME_START:
                        if (http_char_is_tchar(c))
                                st->state = CHUNK_EXT_NAME;
                        else if (!http_char_is_ows(c))
                                return -EBADMSG;
                        break;
                case CHUNK_EXT_NAME:
                        if (http_char_is_tchar(c))
                                break;
                        if (c == '=')
                                st->state = CHUNK_EXT_VAL_START;
                        else if (http_char_is_ows(c))
                                st->state = CHUNK_EXT_AFTER_NAME;
                        else if (c == ';')
                                st->state = CHUNK_EXT_NAME_START;
                        else if (c == '\r')
                                st->state = CHUNK_SIZE_LF;
                        else
                                return -EBADMSG;
                        break;
                case CHUNK_EXT_AFTER_NAME:
                        if (c == '=')
                                st->state = CHUNK_EXT_VAL_START;
                        else if (c == ';')
                                st->state = CHUNK_EXT_NAME_START;
                        else if (!http_char_is_ows(c))
                                return -EBADMSG;
                        break;
                case CHUNK_EXT_VAL_START:
                        if (c == '"')
                                st->state = CHUNK_EXT_QUOTED;
                        else if (http_char_is_tchar(c))
                                st->state = CHUNK_EXT_VAL_TOKEN;
                        else if (!http_char_is_ows(c))
                                return -EBADMSG;
                        break;
                case CHUNK_EXT_QUOTED:
                        if (c == '"')
                                st->state = CHUNK_EXT_VAL_END;
                        else if (c == '\\')
                                st->state = CHUNK_EXT_QUOTED_ESC;
                        else if (!http_char_is_qdtext((unsigned char) c))
                                return -EBADMSG;
                        break;
                case CHUNK_EXT_QUOTED_ESC:
                        if (!http_char_is_quoted_pair((unsigned char) c))
                                return -EBADMSG;
                        st->state = CHUNK_EXT_QUOTED;
                        break;
                case CHUNK_EXT_VAL_TOKEN:
                        if (http_char_is_tchar(c))
                                break;
                        /* fall through */
                case CHUNK_EXT_VAL_END:
                        if (c == ';')
                                st->state = CHUNK_EXT_NAME_START;
                        else if (http_char_is_ows(c))
                                st->state = CHUNK_EXT_AFTER_VAL;
                        else if (c == '\r')
                                st->state = CHUNK_SIZE_LF;
                        else
                                return -EBADMSG;
                        break;
                case CHUNK_SIZE_LF:
                        if (c != '\n')
                                return -EBADMSG;
                        st->size_digits = 0;
                        st->state = st->size == 0 ? CHUNK_TRAILER_START : CHUNK_DATA;
                        break;
                case CHUNK_DATA: {
                        size_t n = (size_t) MIN(st->size, (uint64_t) (len - i));

                        st->size -= n;
                        st->data += n;
                        i += n;
                        if (st->size == 0)
                                st->state = CHUNK_DATA_CR;
                        continue;
                }
                case CHUNK_DATA_CR:
                        if (c != '\r')
                                return -EBADMSG;        /* data longer than its size, or a bare LF */
                        st->state = CHUNK_DATA_LF;
                        break;
                case CHUNK_DATA_LF:
                        if (c != '\n')
                                return -EBADMSG;
                        st->state = CHUNK_SIZE;
                        break;
                case CHUNK_TRAILER_START:
                        st->line_len = 0;
                        if (++st->trailer_len > HTTP_CHUNKED_TRAILER_MAX)
                                return -EBADMSG;
                        if (c == '\r')
                                st->state = CHUNK_END_LF;
                        else if (http_char_is_tchar(c))
                                st->state = CHUNK_TRAILER_NAME;
                        else
                                return -EBADMSG;        /* bare LF, obs-fold, no field name */
                        break;
                case CHUNK_TRAILER_NAME:
                case CHUNK_TRAILER:
                        if (++st->trailer_len > HTTP_CHUNKED_TRAILER_MAX || ++st->line_len > HTTP_CHUNKED_LINE_MAX)
                                return -EBADMSG;
                        if (st->state == CHUNK_TRAILER_NAME) {
                                if (c == ':')
                                        st->state = CHUNK_TRAILER;
                                else if (!http_char_is_tchar(c))
                                        return -EBADMSG;        /* RFC 9112 §5.1: no space before ':' */
                        } else if (c == '\r')
                                st->state = CHUNK_TRAILER_LF;
                        else if (!http_char_is_field((unsigned char) c))
                                return -EBADMSG;        /* bare LF, CTL */
                        break;
                case CHUNK_TRAILER_LF:
                        if (c != '\n')
                                return -EBADMSG;
                        st->state = CHUNK_TRAILER_START;
                        break;
                case CHUNK_END_LF:
                        if (c != '\n')
                                return -EBADMSG;
                        st->state = CHUNK_DONE;
                        break;
                default:
                        return -EBADMSG;
                }
                i++;
        }

        *ret_consumed = i;
        return st->state == CHUNK_DONE;
}
