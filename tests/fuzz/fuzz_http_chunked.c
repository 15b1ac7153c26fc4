/* fuzz_http_chunked.c — libFuzzer target for the chunked request-body decoder
 * (http_chunked_feed() in src/shared/http_chunked.c, shared by netlabd and netlab-ping). The first input byte picks the body
 * limit and how the rest is cut into pieces; the rest is fed once whole, once byte by
 * byte and once in those pieces. All three must agree on the verdict and on where the
 * body ends: the connection uses the end to find the next pipelined request. The decoder
 * is strict (RFC 9112 7.1: CRLF on every line, an extension starts with ';'). */

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_chunked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The verdict of feeding buf[0..len) in pieces of @step bytes (0: whole), and the bytes
 * of the body in *ret_consumed when it completes. */
static int feed(const char *buf, size_t len, size_t step, uint64_t limit, size_t *ret_consumed) {
        HttpChunked st = {};
        size_t pos = 0;

        do {
                size_t n = step == 0 || len - pos < step ? len - pos : step, consumed = SIZE_MAX;
                int r;

                r = http_chunked_feed(&st, buf + pos, n, limit, &consumed);
                assert(r == 0 || r == 1 || r == -EBADMSG || r == -EMSGSIZE);
                if (r < 0)
                        return r;
                assert(consumed <= n);
                assert(st.total <= limit);
                if (r == 1) {
                        *ret_consumed = pos + consumed;
                        return 1;
                }
                assert(consumed == n);  /* "need more" means every byte was body */
                pos += n;
        } while (pos < len);
        *ret_consumed = len;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint64_t limits[] = { 0, 1, 16, 4096, 1 << 20, UINT64_MAX / 2 };
        size_t whole_len = 0, bytes_len = 0, step_len = 0, step;
        uint64_t limit;
        char *buf;
        int whole, bytes, stepped;

        if (size < 1)
                return 0;
        limit = limits[data[0] % (sizeof(limits) / sizeof(limits[0]))];
        step = (size_t) (data[0] >> 3) + 1;
        data++, size--;

        /* An exact-size copy, so ASan catches any read past the end. */
        buf = malloc(size ?: 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);

        whole = feed(buf, size, 0, limit, &whole_len);
        bytes = feed(buf, size, 1, limit, &bytes_len);
        stepped = feed(buf, size, step, limit, &step_len);

        assert(whole == bytes && whole == stepped);
        if (whole >= 0)
                assert(whole_len == bytes_len && whole_len == step_len);
        /* A complete body ends with the CRLF of the final line (the decoder is strict,
         * RFC 9112 7.1: a bare LF anywhere is an error), after at least "0" CRLF CRLF. */
        if (whole == 1)
                assert(whole_len >= 5 && buf[whole_len - 2] == '\r' && buf[whole_len - 1] == '\n');

        free(buf);
        return 0;
}
