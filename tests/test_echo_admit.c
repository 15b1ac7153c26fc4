/* test_echo_admit.c — the front of the echo's data path (src/daemon/echo_admit.c) without
 * a socket: what is refused before anything else (truncated, too big, low and own ports)
 * and counted where; probes, counters queries and probe replies; the profile a datagram
 * belongs to; a plain reply coming back is a loop; the lab_compat formats per profile. */
#include <arpa/inet.h>
#include <string.h>

#include "echo_admit.h"
#include "macro.h"
#include "tests.h"

#define OUR_PORT 7007

static Conf *conf;
static EchoAdmit admit;
static EchoCounters cnt;
static uint8_t buf[256];
static struct msghdr msg;
static SockAddr peer;

static void setup(void) {
        static const uint64_t key[4] = { 1, 2, 3, 4 };

        ck_assert_int_eq(conf_new_default(&conf), 0);
        conf->echo.max_payload = 200;
        admit = (EchoAdmit) {};
        cnt = (EchoCounters) {};
        ck_assert_int_eq(echo_admit_set_conf(&admit, &conf->echo, 42), 0);
        echo_loop_init(&admit.loop, key, admit.loop.window);
        echo_admit_add_port(&admit, htons(OUR_PORT));
}

static void teardown(void) {
        echo_admit_done(&admit);
        conf = conf_unref(conf);
}

/* A datagram of @len bytes of @fill from 127.0.0.2:@port on socket 0. */
static EchoDatagram dgram(uint16_t port, size_t len, int fill) {
        memset(buf, fill, sizeof(buf));
        peer = (SockAddr) { .in = { .sin_family = AF_INET, .sin_port = htons(port) } };
        peer.in.sin_addr.s_addr = htonl(0x7f000002);
        msg = (struct msghdr) { .msg_namelen = sizeof(struct sockaddr_in) };
        return (EchoDatagram) { .msg = &msg, .buf = buf, .len = len, .peer = &peer, .d.copies = 1 };
}

static const struct {
        uint16_t port;
        size_t len;
        bool truncated;
        bool ok;
        size_t counter; /* offsetof(EchoCounters, ...) of the drop, if not ok */
} admit_cases[] = {
        { 40000, 10, false, true, 0 },
        { 40000, 200, false, true, 0 }, /* max_payload itself */
        { 40000, 201, false, false, offsetof(EchoCounters, dropped_too_big) },
        { 40000, 10, true, false, offsetof(EchoCounters, truncated) },
        { 53, 10, false, false, offsetof(EchoCounters, dropped_low_port) },
        { 0, 10, false, false, offsetof(EchoCounters, dropped_low_port) },
        { OUR_PORT, 10, false, false, offsetof(EchoCounters, dropped_self) },
};

START_TEST(test_admit_table) {
        EchoDatagram dg = dgram(admit_cases[_i].port, admit_cases[_i].len, 'a');

        if (admit_cases[_i].truncated)
                msg.msg_flags = MSG_TRUNC;
        ck_assert_int_eq(echo_admit_datagram(&admit, &cnt, &dg), admit_cases[_i].ok);
        if (!admit_cases[_i].ok)
                ck_assert_uint_eq(*(uint64_t *) ((uint8_t *) &cnt + admit_cases[_i].counter), 1);
        else {
                ck_assert_uint_eq(dg.port, htons(admit_cases[_i].port));
                ck_assert_uint_eq(dg.key.addr[10], 0xff); /* v4-mapped */
                ck_assert_uint_eq(dg.key.addr[15], 2);
        }
}
END_TEST

START_TEST(test_classify) {
        Probe p = { .session_id = 7, .seq = 1 };
        EchoDatagram dg;

        /* plain bytes */
        dg = dgram(40000, 10, 'a');
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert(!dg.probe && !dg.query);
        ck_assert_str_eq(dg.pr->name, "default");
        ck_assert_uint_eq(dg.pr->counters.received, 1);

        /* a probe, a counters query (long enough for its answer), a probe reply */
        dg = dgram(40000, PROBE_HEADER_SIZE, 0);
        probe_encode(&p, buf);
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert(dg.probe && !dg.query);
        ck_assert_uint_eq(cnt.probes, 1);

        dg = dgram(40000, PROBE_COUNTERS_SIZE, 0);
        p.flags = PROBE_FLAG_COUNTERS;
        probe_encode(&p, buf);
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert(!dg.probe && dg.query);
        ck_assert_uint_eq(cnt.probes, 1); /* not a probe of the flow */

        dg = dgram(40000, PROBE_HEADER_SIZE, 0);
        p.flags = PROBE_FLAG_REPLY;
        probe_encode(&p, buf);
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg));
        ck_assert(!echo_admit_classify(&admit, &cnt, &dg));
        ck_assert_uint_eq(cnt.dropped_self, 1);
}
END_TEST

START_TEST(test_loop) {
        EchoDatagram dg = dgram(40000, 10, 'a');

        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert(echo_admit_unlooped(&admit, &cnt, &dg, 1000 * USEC_PER_SEC));
        echo_loop_remember(&admit.loop, dg.loop_hash, 1000 * USEC_PER_SEC); /* the reply leaves */

        /* the same bytes from the same peer right after: our reply coming back */
        dg = dgram(40000, 10, 'a');
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert(!echo_admit_unlooped(&admit, &cnt, &dg, 1000 * USEC_PER_SEC + 5000));
        ck_assert_uint_eq(cnt.dropped_loop, 1);
        ck_assert_uint_eq(dg.pr->counters.dropped_loop, 1);

        /* other bytes are not */
        dg = dgram(40000, 10, 'b');
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert(echo_admit_unlooped(&admit, &cnt, &dg, 1000 * USEC_PER_SEC + 5000));
}
END_TEST

/* A profile for 127.0.0.2 with its own lab_compat and budgets; everyone else verbatim. */
START_TEST(test_profile_lab_compat) {
        ConfProfile *cp;
        EchoDatagram dg;

        cp = calloc(1, sizeof(ConfProfile));
        ck_assert_ptr_nonnull(cp);
        strcpy(cp->name, "lab");
        ck_assert_int_eq(sockaddr_cidr_parse("127.0.0.2/32", &cp->cidrs[0]), 0);
        cp->n_cidrs = 1;
        cp->echo = conf->echo;
        cp->echo.lab_compat = _i == 0 ? LAB_COMPAT_UPPERCASE : LAB_COMPAT_TIMESTAMP;
        cp->echo.rate_limit = 0;
        cp->echo.rate_limit_bytes = 1000;
        conf->echo.profiles = cp;
        conf->echo.n_profiles = 1;
        ck_assert_int_eq(echo_admit_set_conf(&admit, &conf->echo, 42), 0);
        ck_assert_uint_eq(admit.n_profiles, 2);
        /* timestamp with rate_limit 0 gets the lab fallback; the byte burst is a second's worth */
        ck_assert_double_eq(admit.profiles[1].limits.replies.rate, _i == 0 ? 0 : ECHO_LAB_RATE);
        ck_assert_double_eq(admit.profiles[1].limits.bytes.burst, 1000);

        dg = dgram(40000, 195, 'a');
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        ck_assert_str_eq(dg.pr->name, "lab");
        ck_assert(echo_admit_unlooped(&admit, &cnt, &dg, USEC_PER_SEC));
        echo_admit_lab_compat(&admit, &dg, 1764072000123 * USEC_PER_MSEC);
        if (_i == 0) {
                ck_assert(!dg.lab);
                ck_assert_uint_eq(dg.len, 195);
                ck_assert_uint_eq(buf[0], 'A');
                /* the loop memory is to know the upper-cased bytes that go out */
                ck_assert_uint_eq(dg.loop_hash, echo_loop_hash(&admit.loop, dg.key.addr, dg.port, buf, 195));
        } else {
                ck_assert(dg.lab);
                ck_assert_uint_eq(dg.prefix_len, 14);
                ck_assert(memcmp(dg.prefix, "1764072000123 ", 14) == 0);
                ck_assert_uint_eq(dg.prefix_len + dg.len, 200); /* cut to max_payload */
                ck_assert_uint_eq(buf[0], 'a');
        }

        /* a probe is answered as a probe in every mode */
        dg = dgram(40000, PROBE_HEADER_SIZE, 0);
        probe_encode(&(Probe) { .session_id = 1 }, buf);
        ck_assert(echo_admit_datagram(&admit, &cnt, &dg) && echo_admit_classify(&admit, &cnt, &dg));
        echo_admit_lab_compat(&admit, &dg, USEC_PER_SEC);
        ck_assert(!dg.lab);
        ck_assert_int_eq(probe_decode(buf, dg.len, &(Probe) {}), 0);

        echo_admit_done(&admit);
        conf->echo.profiles = NULL;
        conf->echo.n_profiles = 0;
        free(cp);
}
END_TEST

static Suite *echo_admit_suite(void) {
        Suite *s = suite_create("echo_admit");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_admit_table, 0, ELEMENTSOF(admit_cases));
        tcase_add_test(tc, test_classify);
        tcase_add_test(tc, test_loop);
        tcase_add_loop_test(tc, test_profile_lab_compat, 0, 2);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(echo_admit_suite)
