/* clock_sync.c — the kernel's clock discipline state (adjtimex) turned into what a STAMP
 * error estimate says. Not pure: clock_sync_read() makes one syscall; the decision itself
 * (clock_sync_from_timex) is pure and table-tested in tests/test_stamp.c. Called by the
 * STAMP sender (ping_stamp.c) and, later, the reflector, never per packet in a hot loop
 * more often than they choose. */
#include <assert.h>
#include <errno.h>

#include "clock_sync.h"

#define USEC_TO_NS 1000ULL
#define UNSYNC_ERROR_USEC 16000000L     /* NTP_PHASE_LIMIT: the kernel's cap on maxerror */

void clock_sync_from_timex(int state, const struct timex *tx, ClockSync *ret) {
        assert(tx);
        assert(ret);

        bool sync = state != TIME_ERROR && !(tx->status & STA_UNSYNC) && tx->maxerror >= 0 &&
                    tx->maxerror <= CLOCK_SYNC_MAXERROR_USEC;
        long err_usec = sync ? tx->esterror : tx->maxerror;

        /* A daemon that reports no estimate (esterror 0) still has the bound. */
        if (sync && err_usec <= 0)
                err_usec = tx->maxerror;
        if (err_usec < 1)
                err_usec = 1;

        *ret = (ClockSync) {
                .synchronized = sync,
                .error_ns = (uint64_t) err_usec * USEC_TO_NS,
                .tai_offset_sec = tx->tai,
        };
}

int clock_sync_read(ClockSync *ret) {
        struct timex tx = { .modes = 0 };

        assert(ret);

        int state = adjtimex(&tx);
        if (state < 0) {
                int r = -errno;

                *ret = (ClockSync) { .error_ns = UNSYNC_ERROR_USEC * USEC_TO_NS };
                return r;
        }
        clock_sync_from_timex(state, &tx, ret);
        return 0;
}
