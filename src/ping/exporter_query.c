/* exporter_query.c — PURE: decodes and bounds the parameters of GET /probe. exporter.c
 * calls it once per request, after http_parse_request() split off the query; nothing
 * here touches a socket, a clock or the log. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "exporter_query.h"
#include "macro.h"
#include "parse_util.h"

#define VALUE_MAX 64 /* decoded bytes of any parameter but target= */

const char *exporter_query_mode_to_string(PingMode m) {
        switch (m) {
        case PING_MODE_UDP:
                return "udp";
        case PING_MODE_HTTP:
                return "http";
        case PING_MODE_STAMP:
                return "stamp";
        default:
                return NULL;
        }
}

int exporter_query_mode_from_string(const char *s) {
        if (streq(s, "udp"))
                return PING_MODE_UDP;
        if (streq(s, "http"))
                return PING_MODE_HTTP;
        if (streq(s, "stamp"))
                return PING_MODE_STAMP;
        return -EINVAL;
}

nsec_t exporter_query_duration(const ExporterQuery *q) {
        assert(q);
        return (q->count > 0 ? (q->count - 1) * q->interval : 0) + q->timeout;
}

/* Percent-decodes v[0..n) into out[0..size) and NUL-terminates. Returns the decoded length,
 * -EINVAL for a bad escape or a NUL, or -ENAMETOOLONG when it does not fit. */
static int decode(const char *v, size_t n, char *out, size_t size) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                char c = v[i];

                if (c == '+')
                        c = ' ';
                else if (c == '%') {
                        if (i + 2 >= n)
                                return -EINVAL;
                        int hi = unhexchar(v[i + 1]), lo = unhexchar(v[i + 2]);
                        if (hi < 0 || lo < 0)
                                return -EINVAL;
                        c = (char) (hi << 4 | lo);
                        i += 2;
                }
                if (c == '\0')
                        return -EINVAL;
                if (k + 1 >= size)
                        return -ENAMETOOLONG;
                out[k++] = c;
        }
        out[k] = '\0';
        return (int) k;
}

static int parse_seconds(const char *s, nsec_t *ret) {
        usec_t u;

        if (parse_usec(s, USEC_PER_SEC, &u) < 0 || u > UINT64_MAX / NSEC_PER_USEC)
                return -EINVAL;
        *ret = (nsec_t) u * NSEC_PER_USEC;
        return 0;
}

int exporter_query_parse(const char *q, size_t len, const ExporterLimits *limits, ExporterQuery *ret,
                         const char **reterr_reason) {
        ExporterQuery r = {
                .mode = PING_MODE_UDP,
                .count = EXPORTER_COUNT_DEFAULT,
                .interval = EXPORTER_INTERVAL_DEFAULT,
                .timeout = EXPORTER_TIMEOUT_DEFAULT,
        };
        bool seen_target = false, seen_mode = false, seen_count = false, seen_interval = false,
             seen_timeout = false;
        const char *why = NULL;

        assert(q || len == 0);
        assert(limits);
        assert(ret);
        assert(reterr_reason);

        for (size_t pos = 0; pos < len;) {
                const char *amp = memchr(q + pos, '&', len - pos);
                size_t end = amp ? (size_t) (amp - q) : len;
                const char *item = q + pos;
                size_t n = end - pos;
                pos = end + 1;

                if (n == 0)
                        continue;
                const char *eq = memchr(item, '=', n);
                size_t name_len = eq ? (size_t) (eq - item) : n;
                const char *v = eq ? eq + 1 : item + n;
                size_t vn = eq ? n - name_len - 1 : 0;
                char value[VALUE_MAX + 1];
                bool *seen = NULL;

#define IS(lit) (name_len == strlen(lit) && memcmp(item, lit, name_len) == 0)
                if (IS("target")) {
                        if (seen_target) {
                                *reterr_reason = "parameter 'target' given twice";
                                return -EINVAL;
                        }
                        seen_target = true;
                        int k = decode(v, vn, r.target, sizeof(r.target));
                        if (k == -ENAMETOOLONG) {
                                *reterr_reason = "target too long";
                                return -ENAMETOOLONG;
                        }
                        if (k < 0) {
                                *reterr_reason = "bad percent-escape or NUL in 'target'";
                                return -EINVAL;
                        }
                        continue;
                }
                if (IS("mode"))
                        seen = &seen_mode;
                else if (IS("count"))
                        seen = &seen_count;
                else if (IS("interval"))
                        seen = &seen_interval;
                else if (IS("timeout"))
                        seen = &seen_timeout;
                else
                        continue;
#undef IS
                if (*seen) {
                        *reterr_reason = "a parameter given twice";
                        return -EINVAL;
                }
                *seen = true;
                if (decode(v, vn, value, sizeof(value)) < 0) {
                        *reterr_reason = "bad parameter value";
                        return -EINVAL;
                }

                if (seen == &seen_mode) {
                        int m = exporter_query_mode_from_string(value);
                        if (m < 0) {
                                *reterr_reason = "mode must be udp, http or stamp";
                                return -EINVAL;
                        }
                        r.mode = (PingMode) m;
                } else if (seen == &seen_count) {
                        if (safe_atou64(value, &r.count) < 0) {
                                *reterr_reason = "count is not a number";
                                return -EINVAL;
                        }
                } else if (seen == &seen_interval) {
                        if (parse_seconds(value, &r.interval) < 0) {
                                *reterr_reason = "interval is not a duration";
                                return -EINVAL;
                        }
                } else if (parse_seconds(value, &r.timeout) < 0) {
                        *reterr_reason = "timeout is not a duration";
                        return -EINVAL;
                }
        }

        if (!seen_target || r.target[0] == '\0')
                why = "missing parameter 'target'";
        else if (r.count == 0 || r.count > limits->max_count)
                why = "count out of range (see --max-count)";
        else if (r.interval < limits->min_interval)
                why = "interval below the limit (see --min-interval)";
        else if (r.timeout == 0 || r.timeout > limits->max_timeout)
                why = "timeout out of range (see --max-timeout)";
        else if (r.interval > limits->max_duration || exporter_query_duration(&r) > limits->max_duration)
                why = "probe would run longer than the limit (see --max-duration)";
        if (why) {
                *reterr_reason = why;
                return -EINVAL;
        }

        *ret = r;
        return 0;
}
