/* conf_scan.h — PURE: a second, tolerant read of a netlab.conf text, for the messages
 * libconfig 1.5 cannot give. libconfig says "duplicate setting name" without the name,
 * "cannot open include file" without the file, and turns an integer that does not fit
 * (99999999999999999999, or 9999999999999 without the L suffix) into -1 or a truncated
 * number without a word. This scanner records, for every setting, its dotted path, its
 * line, its literal if it is a scalar, whether the same path was set before, and every
 * @include; conf.c looks things up here after libconfig has parsed (or refused) the
 * file. It never decides validity: on anything it does not understand it stops, and
 * libconfig's own error stands. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_SCAN_PATH_MAX 128          /* "group.[3].key"; longer paths are cut */
_Static_assert(CONF_SCAN_PATH_MAX <= 256, "ConfScanEntry.name_off is a uint8_t");
#define CONF_SCAN_LITERAL_MAX 64        /* longer literals are cut (still out of range) */
#define CONF_SCAN_ENTRIES_MAX 4096      /* settings recorded; the rest are not */
#define CONF_SCAN_DEPTH_MAX 32          /* nesting of groups and lists */

typedef struct ConfScanEntry {
        unsigned line;                  /* of the setting's name, 1-based */
        char path[CONF_SCAN_PATH_MAX];  /* "echo.loss"; in a list of groups "x.[0].y" */
        uint8_t name_off;               /* last component: path + name_off (an offset, not a
                                         * pointer: the entries array moves as it grows) */
        char literal[CONF_SCAN_LITERAL_MAX];    /* scalar value as written; "" for groups, lists, strings */
        unsigned first_line;            /* > 0: the same path was already set on this line */
} ConfScanEntry;

/* The last component of @e's path ("loss" of "echo.loss"). */
static inline const char *conf_scan_entry_name(const ConfScanEntry *e) {
        return e->path + e->name_off;
}

typedef struct ConfScanInclude {
        unsigned line;
        char file[256];                 /* as written between the quotes (escapes not decoded) */
} ConfScanInclude;

typedef struct ConfScan {
        ConfScanEntry *entries;
        size_t n_entries;
        ConfScanInclude *includes;
        size_t n_includes;
} ConfScan;

/* Scans @text (@len bytes, need not be NUL-terminated) into *ret, which the caller
 * releases with conf_scan_done() whatever the result. Returns 0 (also when the text has
 * a syntax error: the scan just ends there), or -ENOMEM. Pure: no I/O, no globals. */
int conf_scan(const char *text, size_t len, ConfScan *ret);

void conf_scan_done(ConfScan *s);

/* The entry for setting @name that libconfig reports on @line: the one named so on that
 * line, else the nearest one above it (a value may continue on later lines). With
 * several on one line, the first one whose literal is an integer. NULL if none. The
 * pointer is borrowed from @s. */
const ConfScanEntry *conf_scan_find(const ConfScan *s, const char *name, unsigned line);

/* The first entry on @line that repeats an earlier path, or NULL. Borrowed from @s. */
const ConfScanEntry *conf_scan_find_duplicate(const ConfScan *s, unsigned line);

/* The @include on @line, or NULL. Borrowed from @s. */
const ConfScanInclude *conf_scan_find_include(const ConfScan *s, unsigned line);

/* Reads @literal as libconfig's integer syntax ([-+]digits or 0x hex digits, optional
 * L/LL suffix) exactly, with no wrap-around. Returns 0 with the sign in *ret_negative
 * and |value| in *ret_magnitude, -ERANGE if |value| does not fit in 64 bits, or -EINVAL
 * if it is not an integer literal (a float, a boolean, empty). */
int conf_scan_integer(const char *literal, bool *ret_negative, uint64_t *ret_magnitude);
