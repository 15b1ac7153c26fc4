/* time_util.c — clock reads and usec_t conversions used by the event loop, the echo
 * timestamps and the client's RTT arithmetic. */
#include <assert.h>
#include <stdio.h>

#include "macro.h"
#include "time_util.h"

usec_t now(clockid_t clock) {
        struct timespec ts;

        assert_se(clock_gettime(clock, &ts) == 0);
        return timespec_load(&ts);
}

usec_t timespec_load(const struct timespec *ts) {
        assert(ts);
        if (ts->tv_sec < 0 || ts->tv_nsec < 0)
                return 0;
        return (usec_t) ts->tv_sec * USEC_PER_SEC + (usec_t) ts->tv_nsec / NSEC_PER_USEC;
}

struct timespec *timespec_store(struct timespec *ts, usec_t u) {
        assert(ts);
        ts->tv_sec = (time_t) (u / USEC_PER_SEC);
        ts->tv_nsec = (long) ((u % USEC_PER_SEC) * NSEC_PER_USEC);
        return ts;
}

char *format_usec(char *buf, size_t len, usec_t u) {
        if (u == USEC_INFINITY)
                snprintf(buf, len, "infinity");
        else if (u % USEC_PER_SEC == 0)
                snprintf(buf, len, "%llus", (unsigned long long) (u / USEC_PER_SEC));
        else if (u >= USEC_PER_SEC)
                snprintf(buf, len, "%.3gs", (double) u / USEC_PER_SEC);
        else if (u % USEC_PER_MSEC == 0)
                snprintf(buf, len, "%llums", (unsigned long long) (u / USEC_PER_MSEC));
        else if (u >= USEC_PER_MSEC)
                snprintf(buf, len, "%.3gms", (double) u / USEC_PER_MSEC);
        else
                snprintf(buf, len, "%lluus", (unsigned long long) u);
        return buf;
}
