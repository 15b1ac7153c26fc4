/* echo_compat.c — the textbook labs' reply formats for datagrams that are not netlab
 * probes (echo_compat.h). echo.c calls it after the impairment verdict, before the reply
 * goes out or into the delay queue; it calls nothing but libc string formatting. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "echo_compat.h"

size_t echo_compat_timestamp_prefix(usec_t now_realtime_usec, char buf[static ECHO_COMPAT_PREFIX_MAX]) {
        int n;

        assert(buf);

        n = snprintf(buf, ECHO_COMPAT_PREFIX_MAX, "%" PRIu64 " ", now_realtime_usec / USEC_PER_MSEC);
        assert(n > 0 && n < ECHO_COMPAT_PREFIX_MAX);
        return (size_t) n;
}

size_t echo_compat_timestamp_fit(size_t prefix_len, size_t len, size_t max_payload) {
        if (prefix_len + len <= max_payload)
                return len;
        return max_payload > prefix_len ? max_payload - prefix_len : 0;
}

void echo_compat_uppercase(uint8_t *buf, size_t len) {
        assert(buf || len == 0);

        /* ASCII only, byte by byte: a UTF-8 sequence never contains bytes below 0x80, so
         * it cannot be split or changed, and the length stays the same. */
        for (size_t i = 0; i < len; i++)
                if (buf[i] >= 'a' && buf[i] <= 'z')
                        buf[i] -= 'a' - 'A';
}
