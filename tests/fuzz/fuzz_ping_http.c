/* fuzz_ping_http.c — libFuzzer target for netlab-ping's HTTP response parsing
 * (src/ping/ping_http.c): the response head parser on the whole input and on a prefix,
 * then the chunked body decoder on the bytes after the head, fed whole, byte by byte and
 * in 7-byte pieces. A server is untrusted input to the client: it must never read past
 * what it was given, and the pieces it was fed in must not change the verdict. */

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_chunked.h"
#include "macro.h"
#include "ping_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_head(int r, size_t len, const PingHttpHead *h) {
        assert(r == -EAGAIN || r == -EBADMSG || r == -EMSGSIZE || (r > 0 && (size_t) r <= len));
        if (r == -EAGAIN)
                assert(len < PING_HTTP_HEAD_MAX);
        if (r > 0) {
                assert(h->status >= 100 && h->status <= 999);
                assert(h->minor_version <= 9);
                assert(h->content_length >= -1);
        }
}

/* Returns the decoder's verdict over buf[0..len) fed in @step-byte pieces (0: whole), as
 * netlab-ping feeds it (the shared strict decoder, no size limit): the body length in
 * bytes once complete, -EAGAIN or -EBADMSG; *ret_body the data bytes. */
static int feed(const char *buf, size_t len, size_t step, uint64_t *ret_body) {
        HttpChunked c = {};
        size_t pos = 0;

        do {
                size_t n = step == 0 || len - pos < step ? len - pos : step, consumed = SIZE_MAX;
                int r = http_chunked_feed(&c, buf + pos, n, UINT64_MAX, &consumed);

                /* -EMSGSIZE: an extension or trailer line past the decoder's bounds, which
                 * netlab-ping reports as a malformed body like -EBADMSG. */
                assert(r == 0 || r == 1 || r == -EBADMSG || r == -EMSGSIZE);
                assert(c.data <= pos + n);
                *ret_body = c.data;
                if (r < 0)
                        return -EBADMSG;
                assert(consumed <= n);
                if (r == 1)
                        return (int) (pos + consumed);
                pos += n;
        } while (pos < len);
        return -EAGAIN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PingHttpHead h, hp;
        uint64_t body_whole = 0, body_bytes = 0, body_step = 0;
        size_t off = 0;
        char *buf;
        int r, rp, whole, bytes, stepped;

        /* An exact-size copy, so ASan catches any read past the end. */
        buf = malloc(size ?: 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);

        r = ping_http_parse_head(buf, size, &h);
        check_head(r, size, &h);

        /* A prefix is never a different complete head, and a line it rejected stays
         * rejected when more bytes arrive. */
        rp = ping_http_parse_head(buf, size / 2, &hp);
        check_head(rp, size / 2, &hp);
        if (rp > 0)
                assert(r == rp && h.status == hp.status && h.minor_version == hp.minor_version &&
                       h.content_length == hp.content_length && h.chunked == hp.chunked && h.close == hp.close);
        if (r > 0 && (size_t) r > size / 2)
                assert(rp <= 0);
        if (rp == -EBADMSG)
                assert(r == -EBADMSG);

        if (r > 0)
                off = (size_t) r;
        whole = feed(buf + off, size - off, 0, &body_whole);
        bytes = feed(buf + off, size - off, 1, &body_bytes);
        stepped = feed(buf + off, size - off, 7, &body_step);
        assert(whole == bytes && whole == stepped);
        if (whole > 0)
                assert(body_whole == body_bytes && body_whole == body_step);

        free(buf);
        return 0;
}
