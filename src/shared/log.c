/* log.c — stderr logger with sd-daemon "<N>" prefixes. Every boundary (event handlers,
 * main, reload) logs through here; inner functions return -errno instead. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int max_level = LOG_INFO;
static bool use_prefix = true;
static bool use_timestamps = true;
static const char *log_ident;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",   [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
        [LOG_ERR] = "error",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",     [LOG_DEBUG] = "debug",
};

void log_set_max_level(int level) {
        max_level = CLAMP(level, LOG_EMERG, LOG_DEBUG);
}

bool log_level_enabled(int level) {
        return level <= max_level;
}

void log_setup(const char *ident, bool prefix, bool timestamps) {
        log_ident = ident;
        use_prefix = prefix;
        use_timestamps = timestamps;
}

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < (int) ELEMENTSOF(level_names); i++)
                if (level_names[i] && streq(level_names[i], s))
                        return i;
        if (streq(s, "err"))
                return LOG_ERR;
        if (streq(s, "warn"))
                return LOG_WARNING;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || level >= (int) ELEMENTSOF(level_names))
                return NULL;
        return level_names[level];
}

int log_internal(int level, int error, const char *format, ...) {
        char buf[2048];
        int k = 0;
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        if (use_prefix)
                k += snprintf(buf + k, sizeof(buf) - k, "<%d>", level);
        if (use_timestamps) {
                struct timespec ts;
                struct tm tm;

                (void) clock_gettime(CLOCK_REALTIME, &ts);
                (void) localtime_r(&ts.tv_sec, &tm);
                k += (int) strftime(buf + k, sizeof(buf) - k, "%Y-%m-%d %H:%M:%S", &tm);
                k += snprintf(buf + k, sizeof(buf) - k, ".%03ld ", ts.tv_nsec / 1000000);
        }
        if (log_ident && use_timestamps)
                k += snprintf(buf + k, sizeof(buf) - k, "%s: ", log_ident);
        k = MIN(k, (int) sizeof(buf) - 1);     /* snprintf reports what it would have written */

        /* "%m" must see the caller's error, not whatever errno happens to hold. */
        errno = error;
        va_start(ap, format);
        (void) vsnprintf(buf + k, sizeof(buf) - k, format, ap);
        va_end(ap);

        /* One write per line: lines from concurrent writers (e.g. tests) never interleave. */
        fprintf(stderr, "%s\n", buf);
        return -error;
}
