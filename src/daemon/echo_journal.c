/* echo_journal.c — echo.record_log's lines (echo_journal.h). Called by echo.c once per
 * decision when record_log is on; calls echo_record (the entry's fields), sockaddr
 * (formatting), impair's token bucket, sd_journal_send() and log. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "echo_journal.h"
#include "log.h"
#include "sockaddr.h"

static void format_peer(const EchoRecordEntry *e, char *buf, size_t len) {
        static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
        SockAddr a = {};

        if (memcmp(e->addr, mapped, sizeof(mapped)) == 0) {
                a.in.sin_family = AF_INET;
                memcpy(&a.in.sin_addr, e->addr + 12, 4);
                a.in.sin_port = htons(e->port);
        } else {
                a.in6.sin6_family = AF_INET6;
                memcpy(&a.in6.sin6_addr, e->addr, 16);
                a.in6.sin6_port = htons(e->port);
        }
        (void) sockaddr_format(&a, buf, len);
}

/* The sequence number of a probe, or the text pinger's "Ping N": the first run of
 * digits in the payload. "" when there is none. */
static void format_seq(const EchoRecordEntry *e, char *buf, size_t len) {
        size_t i = 0, n = 0;

        if (e->flags & ECHO_RECORD_F_PROBE) {
                (void) snprintf(buf, len, "%" PRIu64, e->u.seq);
                return;
        }
        while (i < e->payload_len && (e->u.payload[i] < '0' || e->u.payload[i] > '9'))
                i++;
        while (i < e->payload_len && e->u.payload[i] >= '0' && e->u.payload[i] <= '9' && n + 1 < len)
                buf[n++] = (char) e->u.payload[i++];
        buf[n] = 0;
}

void echo_journal_log(EchoJournal *j, const EchoRecordEntry *e, const char *profile, usec_t now_usec) {
        const char *verdict = e->reason == ECHO_RECORD_REPLIED ? "replied" : "dropped";
        const char *reason = echo_record_reason_to_string(e->reason);
        char peer[SOCKADDR_FORMAT_MAX], seq[24];
        uint64_t suppressed;

        if (!impair_bucket_take(&j->bucket, ECHO_JOURNAL_RATE, ECHO_JOURNAL_BURST, now_usec)) {
                j->suppressed++;
                return;
        }
        suppressed = j->suppressed;
        j->suppressed = 0;
        format_peer(e, peer, sizeof(peer));
        format_seq(e, seq, sizeof(seq));

        if (getenv("JOURNAL_STREAM")) {
                (void) sd_journal_send("MESSAGE=Echo %s %s: %s (%s)%s", peer, seq, verdict, reason,
                                       suppressed ? " after decisions not logged" : "", "PRIORITY=%i",
                                       LOG_INFO, "NETLAB_PEER=%s", peer, "NETLAB_PROFILE=%s", profile,
                                       "NETLAB_SEQ=%s", seq, "NETLAB_VERDICT=%s", verdict,
                                       "NETLAB_REASON=%s", reason, "NETLAB_DELAY_USEC=%" PRIu32,
                                       e->delay_usec, "NETLAB_SUPPRESSED=%" PRIu64, suppressed, NULL);
                return;
        }
        log_info("Echo decision NETLAB_PEER=%s NETLAB_PROFILE=%s NETLAB_SEQ=%s NETLAB_VERDICT=%s NETLAB_REASON=%s "
                 "NETLAB_DELAY_USEC=%" PRIu32 " NETLAB_SUPPRESSED=%" PRIu64,
                 peer, profile, seq, verdict, reason, e->delay_usec, suppressed);
}
