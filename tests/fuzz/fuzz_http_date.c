/* fuzz_http_date.c — libFuzzer target for HTTP dates (http_response_parse_date() in
 * src/daemon/http_response.c: IMF-fixdate, RFC 850, asctime) and the conditional-request
 * evaluators of src/daemon/http_serve.c that take them: If-Modified-Since,
 * If-Unmodified-Since, If-Match, If-None-Match (ETag lists) and If-Range. The input is
 * one header value, in an exact-size heap copy (slices are not NUL-terminated). */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_response.h"
#include "http_serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ETAG "\"2a-100-17f0\""
#define FUZZ_MTIME_USEC (UINT64_C(784111777) * USEC_PER_SEC)    /* Sun, 06 Nov 1994 08:49:37 GMT */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char bytes_0[] = "bytes=0-";
        HttpSlice v, none = {}, range = { bytes_0, sizeof(bytes_0) - 1 };
        char formatted[HTTP_DATE_LEN + 1];
        usec_t t = 0, t2 = 0;
        uint64_t first, last;
        char *buf;
        int r;

        buf = malloc(size ?: 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        v = (HttpSlice) { buf, size };

        r = http_response_parse_date(buf, size, &t);
        assert(r == 0 || r == -EINVAL);
        if (r == 0) {
                /* Whole seconds from 1970 on; what we format parses back to itself. */
                assert(t % USEC_PER_SEC == 0);
                http_response_format_date(t, formatted);
                assert(strlen(formatted) == HTTP_DATE_LEN);
                assert(http_response_parse_date(formatted, HTTP_DATE_LEN, &t2) == 0);
                assert(t2 == t);
        }

        /* As every header that holds a date or an ETag list. A date that does not parse
         * is ignored (RFC 9110 §13.1.3, §13.1.4), so it never fails a precondition. */
        if (http_serve_precondition_failed(none, v, FUZZ_ETAG, FUZZ_MTIME_USEC))
                assert(r == 0 && t < FUZZ_MTIME_USEC);
        if (http_serve_not_modified(none, v, FUZZ_ETAG, FUZZ_MTIME_USEC))
                assert(r == 0 && t >= FUZZ_MTIME_USEC);
        (void) http_serve_precondition_failed(v, none, FUZZ_ETAG, FUZZ_MTIME_USEC);
        (void) http_serve_precondition_failed(v, none, NULL, FUZZ_MTIME_USEC);
        (void) http_serve_not_modified(v, none, FUZZ_ETAG, FUZZ_MTIME_USEC);
        (void) http_serve_not_modified(v, none, NULL, FUZZ_MTIME_USEC);
        r = http_serve_range(range, v, FUZZ_ETAG, FUZZ_MTIME_USEC, 100, &first, &last);
        assert(r == 0 || (r == 1 && first == 0 && last == 99));

        free(buf);
        return 0;
}
