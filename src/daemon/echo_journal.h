/* echo_journal.h — echo.record_log: one structured line per echo decision (the record's
 * entry with NETLAB_PEER=, NETLAB_PROFILE=, NETLAB_SEQ=, NETLAB_VERDICT=, NETLAB_REASON=
 * fields), rate-limited. To the journal with sd_journal_send() when $JOURNAL_STREAM says
 * stderr is the journal, else as a plain log line on stderr. */
#pragma once

#include <stdint.h>

#include "echo_record.h"
#include "impair.h"
#include "time_util.h"

#define ECHO_JOURNAL_RATE 100.0 /* lines per second */
#define ECHO_JOURNAL_BURST 200

typedef struct EchoJournal {
        ImpairBucket bucket;
        uint64_t suppressed; /* lines not written since the last one */
} EchoJournal;

/* Logs @e (whose profile is named @profile) at time @now_usec (CLOCK_MONOTONIC, for the
 * rate limit). Beyond ECHO_JOURNAL_RATE lines per second (ECHO_JOURNAL_BURST at once)
 * lines are counted, and the next line written says how many were not. */
void echo_journal_log(EchoJournal *j, const EchoRecordEntry *e, const char *profile, usec_t now_usec);
