/* fuzz_http_range.c — libFuzzer target for Range and If-Range (http_serve_range() in
 * src/daemon/http_serve.c). Input: 8 bytes of representation size, one flag byte, then
 * the Range value, optionally followed by a NUL and an If-Range value (an ETag or a
 * date). Each value is its own exact-size heap copy, not NUL-terminated, as the parser
 * hands them over, so ASan catches any read past a slice. Asserts the result is one of
 * the three documented verdicts and that a 206 range lies inside the file. */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ETAG "\"2a-100-17f0\""
#define FUZZ_MTIME_USEC (UINT64_C(784111777) * USEC_PER_SEC)    /* Sun, 06 Nov 1994 08:49:37 GMT */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        HttpSlice range = {}, if_range = {};
        uint64_t file_size = 0, first = 1, last = 0;
        char *range_buf = NULL, *if_range_buf = NULL;
        const uint8_t *nul;
        uint8_t flags;
        int r;

        if (size < 9)
                return 0;
        for (int i = 0; i < 8; i++)
                file_size = file_size << 8 | data[i];
        flags = data[8];
        data += 9, size -= 9;
        /* Mostly small sizes, where the interesting edges are; sometimes any 64-bit one. */
        if (!(flags & 1))
                file_size %= 4096;

        nul = memchr(data, 0, size);
        range_buf = malloc(size ?: 1);
        if (!range_buf)
                return 0;
        range.len = nul ? (size_t) (nul - data) : size;
        memcpy(range_buf, data, range.len);
        range.p = range_buf;
        if (nul) {
                if_range.len = size - range.len - 1;
                if_range_buf = malloc(if_range.len ?: 1);
                if (!if_range_buf) {
                        free(range_buf);
                        return 0;
                }
                memcpy(if_range_buf, nul + 1, if_range.len);
                if_range.p = if_range_buf;
        }

        r = http_serve_range(range, if_range, flags & 2 ? NULL : FUZZ_ETAG, FUZZ_MTIME_USEC, file_size,
                             &first, &last);
        assert(r == 1 || r == 0 || r == -ERANGE);
        if (r == 1) {
                assert(first <= last);
                assert(last < file_size);
        }
        /* Only the "bytes" unit is ever honoured. */
        if (r != 0)
                assert(range.len >= 6 && http_parse_token_eq(range.p, 6, "bytes="));

        /* Without If-Range the verdict cannot depend on the validators. */
        if (!if_range.p) {
                uint64_t f2 = 1, l2 = 0;
                int r2 = http_serve_range(range, if_range, NULL, 0, file_size, &f2, &l2);

                assert(r2 == r);
                if (r == 1)
                        assert(f2 == first && l2 == last);
        }

        free(range_buf);
        free(if_range_buf);
        return 0;
}
