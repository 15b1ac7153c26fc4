/* parse_util.h — strict parsers for numbers and durations typed by people (flags,
 * config strings). All reject empty strings, trailing garbage, and out-of-range values. */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "time_util.h"

/* Parses a decimal unsigned integer. Returns 0, -EINVAL (not a number, sign, garbage)
 * or -ERANGE (overflow). Sets *ret on success only. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou(const char *s, unsigned *ret);

/* Parses a finite decimal floating point number ("0.3", "1e-3"). Returns 0, -EINVAL,
 * or -ERANGE (overflow, NaN, infinity). */
int safe_atod(const char *s, double *ret);

/* Parses a duration: a number followed by an optional unit "us", "ms", "s", "min", "h";
 * without a unit, @default_unit_usec applies (e.g. USEC_PER_MSEC). Fractions are
 * allowed ("1.5s"). Returns 0, -EINVAL or -ERANGE (negative or > ~292 years). */
int parse_usec(const char *s, usec_t default_unit_usec, usec_t *ret);

/* Parses a probability: "0.3" or "30%". Returns 0, -EINVAL, or -ERANGE if outside 0..1. */
int parse_probability(const char *s, double *ret);

/* Value of one hexadecimal digit (either case), or -EINVAL. Used for percent-escapes and
 * chunk sizes. */
static inline int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}
