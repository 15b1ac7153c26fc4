/* log.h — the daemon's and client's logger: one line per message on stderr, prefixed
 * with "<N>" (sd-daemon(3) priority) so journald files it at the right level, and with
 * a timestamp only when stderr is not connected to the journal. */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* Sets the maximum priority that is printed (LOG_ERR .. LOG_DEBUG). Default LOG_INFO. */
void log_set_max_level(int level);

/* Chooses the line format. @prefix: emit "<N>" priority prefixes (default: on).
 * @timestamps: emit a wall-clock timestamp (default: on unless $JOURNAL_STREAM is set).
 * @ident: program name printed before the message when not under journald, or NULL. */
void log_setup(const char *ident, bool prefix, bool timestamps);

/* Parses "debug", "info", "notice", "warning", "error" (syslog names). Returns the
 * LOG_* level, or -EINVAL. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* Prints the message if @level is enabled. If @error != 0, errno is set to |error|
 * first so that "%m" formats it. Returns -|error| (or 0 when error == 0), so
 * "return log_error_errno(r, ...)" logs and propagates in one statement. */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_internal(LOG_INFO, (e), __VA_ARGS__)
#define log_notice_errno(e, ...) log_internal(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)

/* True if messages at @level would be printed: lets callers skip expensive formatting. */
bool log_level_enabled(int level);
