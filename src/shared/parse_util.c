/* parse_util.c — number and duration parsing for command lines and config strings. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse_util.h"

int safe_atou64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        assert(s);
        assert(ret);

        /* strtoull() silently accepts leading whitespace and a minus sign. */
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou(const char *s, unsigned *ret) {
        uint64_t v;
        int r;

        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int safe_atod(const char *s, double *ret) {
        char *end;
        double v;

        assert(s);
        assert(ret);

        if (!(isdigit((unsigned char) s[0]) || s[0] == '.' || s[0] == '-' || s[0] == '+'))
                return -EINVAL;
        /* Refuse "inf", "nan" and hexadecimal floats: people don't mean them. */
        for (const char *p = s; *p; p++)
                if (!(isdigit((unsigned char) *p) || strchr(".eE+-", *p)))
                        return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (end == s || *end != '\0')
                return -EINVAL;
        if (errno == ERANGE || !isfinite(v))
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_usec(const char *s, usec_t default_unit_usec, usec_t *ret) {
        static const struct {
                const char *suffix;
                usec_t usec;
        } units[] = {
                { "us", 1 },
                { "ms", USEC_PER_MSEC },
                { "s", USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
        };
        char num[64];
        size_t n = 0;
        usec_t unit = default_unit_usec;
        double v;
        int r;

        assert(s);
        assert(ret);

        while (s[n] && (isdigit((unsigned char) s[n]) || s[n] == '.'))
                n++;
        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, n);
        num[n] = '\0';

        if (s[n] != '\0') {
                bool found = false;

                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (streq(s + n, units[i].suffix)) {
                                unit = units[i].usec;
                                found = true;
                                break;
                        }
                if (!found)
                        return -EINVAL;
        }

        r = safe_atod(num, &v);
        if (r < 0)
                return r;
        v *= (double) unit;
        if (v < 0 || v > 9.2e18)
                return -ERANGE;
        *ret = (usec_t) llround(v);
        return 0;
}

int parse_probability(const char *s, double *ret) {
        size_t len;
        double v;
        int r;

        assert(s);
        assert(ret);

        len = strlen(s);
        if (len > 0 && s[len - 1] == '%') {
                char buf[64];

                if (len >= sizeof(buf))
                        return -EINVAL;
                memcpy(buf, s, len - 1);
                buf[len - 1] = '\0';
                r = safe_atod(buf, &v);
                if (r < 0)
                        return r;
                v /= 100.0;
        } else {
                r = safe_atod(s, &v);
                if (r < 0)
                        return r;
        }
        if (v < 0.0 || v > 1.0)
                return -ERANGE;
        *ret = v;
        return 0;
}
