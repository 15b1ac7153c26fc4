/* time_util.h — microsecond time values (usec_t) and their conversions. */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <time.h>

typedef uint64_t usec_t;

#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)

/* Current time of @clock in microseconds (CLOCK_MONOTONIC for intervals). */
usec_t now(clockid_t clock);

usec_t timespec_load(const struct timespec *ts);
struct timespec *timespec_store(struct timespec *ts, usec_t u);

/* Formats @u as a short human string ("250ms", "1.5s", "12us") into @buf (>= 32 bytes
 * recommended). Returns @buf. */
char *format_usec(char *buf, size_t len, usec_t u);
