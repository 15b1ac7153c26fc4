/* fuzz_http_parse.c — libFuzzer target for the request head parser. Feeds the input
 * whole and then in two pieces (the incremental path with prev_len), and checks the
 * invariants every caller relies on: the result is a known errno or a length within the
 * input, and every returned pointer lies inside the input. Built by `make fuzz` with
 * clang -fsanitize=fuzzer,address,undefined; replayed over tests/fuzz/http_parse/ by
 * tests/fuzz/replay.c in the normal test run (gcc is fine there). Chunked bodies have
 * their own target, fuzz_http_chunked.c. */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_chunked.h"
#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slice(HttpSlice s, const char *buf, size_t len) {
        if (!s.p)
                return;
        if (s.len == 1 && s.p[0] == '/' && (s.p < buf || s.p >= buf + len))
                return;                 /* the static "/" of an absolute-form target */
        assert(s.p >= buf && s.p + s.len <= buf + len);
}

static void check(const char *buf, size_t len, int r, const HttpRequest *req) {
        if (r <= 0) {
                assert(r == -EAGAIN || r == -EBADMSG || r == -ENAMETOOLONG || r == -EMSGSIZE ||
                       r == -EOPNOTSUPP || r == -EPROTONOSUPPORT);
                return;
        }
        assert((size_t) r <= len);
        assert(req->method >= 0 && req->method < _HTTP_METHOD_MAX);
        assert(req->minor_version <= 1);
        assert(req->n_headers <= HTTP_HEADERS_MAX);
        check_slice(req->target, buf, (size_t) r);
        check_slice(req->path, buf, (size_t) r);
        check_slice(req->query, buf, (size_t) r);
        check_slice(req->host, buf, (size_t) r);
        check_slice(req->range, buf, (size_t) r);
        check_slice(req->if_match, buf, (size_t) r);
        check_slice(req->if_unmodified_since, buf, (size_t) r);
        check_slice(req->if_none_match, buf, (size_t) r);
        check_slice(req->if_modified_since, buf, (size_t) r);
        check_slice(req->if_range, buf, (size_t) r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const HttpParseLimits limits = { .max_request_line = 1024, .max_head = 4096, .max_headers = 32 };
        HttpRequest *req = malloc(sizeof(HttpRequest));
        char *buf;
        int whole, r;

        if (!req)
                return 0;
        /* An exact-size copy, so ASan catches any read past the end. */
        buf = malloc(size ? size : 1);
        if (!buf) {
                free(req);
                return 0;
        }
        memcpy(buf, data, size);

        whole = http_parse_request(buf, size, 0, &limits, req, NULL);
        check(buf, size, whole, req);

        /* Incremental: the first half must be "need more" or the same verdict as a whole
         * prefix; then the full buffer with prev_len must agree with the one-shot parse. */
        if (size > 1) {
                size_t half = size / 2;

                r = http_parse_request(buf, half, 0, &limits, req, NULL);
                check(buf, half, r, req);
                if (r == -EAGAIN) {
                        r = http_parse_request(buf, size, half, &limits, req, NULL);
                        check(buf, size, r, req);
                        assert(r == whole);
                }
        }

        free(buf);
        free(req);
        return 0;
}
