/* clock_sync.h — what the kernel knows about the system clock's synchronisation, as the
 * STAMP error estimate needs it (RFC 8762 §4.2.1, RFC 4656 §4.1.2): is CLOCK_REALTIME
 * disciplined to UTC by an external source, how large its error is, and the TAI-UTC
 * offset for PTP-format timestamps. Read from adjtimex(2), which every NTP/PTP daemon
 * (chrony, ntpd, systemd-timesyncd, phc2sys) updates. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/timex.h>

/* Above this maximum error the clock may be disciplined, but so loosely that claiming
 * "synchronized to UTC" (the S bit) would mislead a receiver: 100 ms. */
#define CLOCK_SYNC_MAXERROR_USEC 100000L

typedef struct ClockSync {
        bool synchronized;              /* S bit: disciplined to UTC, error bounded */
        uint64_t error_ns;              /* estimate of the clock's error, never 0 */
        int32_t tai_offset_sec;         /* TAI - UTC in seconds; 0 if the kernel was never told */
} ClockSync;

/* Pure: decides from one adjtimex() result. @state is adjtimex()'s return value (TIME_OK,
 * TIME_INS, ..., TIME_ERROR). Synchronized when the state is not TIME_ERROR, STA_UNSYNC
 * is clear and maxerror <= CLOCK_SYNC_MAXERROR_USEC; the error is then esterror (the
 * daemon's estimate), otherwise maxerror (the kernel's bound, which grows by 500 ppm
 * while nobody disciplines the clock, up to 16 s). Either is raised to at least 1 us
 * (the resolution adjtimex reports in), so the error is never claimed to be zero. */
void clock_sync_from_timex(int state, const struct timex *tx, ClockSync *ret);

/* Reads the kernel's view with adjtimex() (modes = 0: read only, no privilege needed) and
 * fills *ret through clock_sync_from_timex(). Returns 0, or -errno from adjtimex(); on
 * failure *ret says "not synchronized, 16 s error" so a caller can go on. */
int clock_sync_read(ClockSync *ret);
