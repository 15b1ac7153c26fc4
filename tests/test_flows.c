/* test_flows.c — /api/flows without a daemon (src/daemon/flows.c): the strict query
 * parser (a table of good and bad query strings) and the JSON document of flows and of a
 * peer's record (valid JSON, escaped payloads, the cap stated). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "json.h"
#include "macro.h"
#include "tests.h"

static const struct {
        const char *q;
        int r;
        bool peer, profile;
        uint16_t port;
} queries[] = {
        { "", 0, false, false, 0 },
        { "peer=127.0.0.6:4000", 0, true, false, 4000 },
        { "peer=127.0.0.6%3A4000&profile=texters", 0, true, true, 4000 },
        { "profile=default", 0, false, true, 0 },
        { "peer=%5B2001%3Adb8%3A%3A1%5D%3A53000", 0, true, false, 53000 },
        { "peer=[::1]:9", 0, true, false, 9 },
        { "peer=127.0.0.6", -EINVAL, false, false, 0 },
        { "peer=4000", -EINVAL, false, false, 0 },
        { "peer=*:4000", -EINVAL, false, false, 0 },
        { "peer=127.0.0.6:4000&peer=127.0.0.7:1", -EINVAL, false, false, 0 },
        { "peer=host.example:80", -EINVAL, false, false, 0 },
        { "profile=Group", -EINVAL, false, false, 0 },
        { "profile=a&profile=b", -EINVAL, false, false, 0 },
        { "other=1", -EINVAL, false, false, 0 },
        { "peer", -EINVAL, false, false, 0 },
        { "peer=127.0.0.1:1%", -EINVAL, false, false, 0 },
        { "peer=127.0.0.1:1%zz", -EINVAL, false, false, 0 },
        { "peer=127.0.0.1:1%00", -EINVAL, false, false, 0 },
        { "peer=127.0.0.1:1&", -EINVAL, false, false, 0 },
        { "peer=127.0.0.1:65536", -EINVAL, false, false, 0 },
};

START_TEST(test_parse_query) {
        FlowsQuery q;
        int r = flows_parse_query(queries[_i].q, strlen(queries[_i].q), &q);

        ck_assert_msg(r == queries[_i].r, "'%s': %d", queries[_i].q, r);
        if (r < 0)
                return;
        ck_assert_int_eq(q.has_peer, queries[_i].peer);
        ck_assert_int_eq(q.has_profile, queries[_i].profile);
        ck_assert_uint_eq(q.port, queries[_i].port);
}
END_TEST

START_TEST(test_parse_bounds) {
        char big[FLOWS_QUERY_MAX + 2];
        FlowsQuery q;

        memset(big, 'a', sizeof(big));
        ck_assert_int_eq(flows_parse_query(big, sizeof(big), &q), -E2BIG);
        ck_assert_int_eq(flows_parse_query(NULL, 0, &q), 0);
        ck_assert(!q.has_peer && !q.has_profile);
        ck_assert_int_eq(flows_parse_query("peer=127.0.0.6:4000", 19, &q), 0);
        ck_assert_uint_eq(q.addr[10], 0xff); /* v4-mapped */
        ck_assert_uint_eq(q.addr[12], 127);
        ck_assert_uint_eq(q.addr[15], 6);
}
END_TEST

START_TEST(test_render) {
        EchoRecord names = {};
        FlowsEntry f = { .port = 4000,
                         .profile = "texters",
                         .kind = FLOWS_KIND_PLAIN,
                         .received = 3,
                         .replied = 2,
                         .dropped_loss = 1,
                         .first_seen_usec = 1700000000 * USEC_PER_SEC,
                         .last_seen_usec = 1700000001 * USEC_PER_SEC,
                         .idle_usec = 1500 * USEC_PER_MSEC };
        EchoRecordEntry e[2];
        FlowsSnapshot s = { .n_flows = 1, .has_record = true, .record_size = 8, .n_record = 2, .names = &names };
        _cleanup_free_ char *body = NULL;
        size_t len;

        f.addr[10] = f.addr[11] = 0xff;
        f.addr[12] = 127;
        f.addr[15] = 6;
        ck_assert_int_eq(echo_record_intern(&names, "default"), 0);
        ck_assert_int_eq(echo_record_intern(&names, "texters"), 1);
        echo_record_entry_init(&e[0], 1700000001 * USEC_PER_SEC, f.addr, 4000, 1, "Ping 3 \"<x>\"\n\xff", 14,
                               false, 0);
        e[0].reason = ECHO_RECORD_LOSS;
        echo_record_entry_init(&e[1], 1700000000 * USEC_PER_SEC, f.addr, 4000, 1, NULL, 0, true, 42);
        e[1].delay_usec = 20000;
        e[1].flags |= ECHO_RECORD_F_DUPLICATED;
        s.flows = &f;
        s.record = e;

        ck_assert_int_eq(flows_render_json(&s, &body, &len), 0);
        ck_assert(json_validate(body, len));
        ck_assert_ptr_nonnull(strstr(body, "\"max_flows\":512,\"truncated\":false"));
        ck_assert_ptr_nonnull(
                strstr(body, "\"peer\":\"127.0.0.6:4000\",\"profile\":\"texters\",\"kind\":\"plain\""));
        ck_assert_ptr_nonnull(strstr(body, "\"dropped\":{\"loss\":1,\"rate_limit\":0,\"queue_full\":0}"));
        ck_assert_ptr_nonnull(strstr(body, "\"first_seen\":1700000000.000"));
        ck_assert_ptr_nonnull(strstr(body, "\"last_seq\":null,\"idle_seconds\":1.500"));
        ck_assert_ptr_nonnull(strstr(body, "\"payload\":\"Ping 3 \\\"\\u003cx\\u003e\\\"\\n\\ufffd\""));
        ck_assert_ptr_nonnull(strstr(body, "\"verdict\":\"dropped\",\"reason\":\"loss\""));
        ck_assert_ptr_nonnull(strstr(body, "\"seq\":42,\"payload\":null,\"verdict\":\"replied\",\"reason\":null,"
                                           "\"delay_ms\":20.000,\"duplicated\":true,\"reordered\":false"));
        s.record = NULL; /* borrowed here: not for flows_snapshot_done() */
        s.flows = NULL;
        echo_record_done(&names);
}
END_TEST

static Suite *flows_suite(void) {
        Suite *s = suite_create("flows");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_parse_query, 0, ELEMENTSOF(queries));
        tcase_add_test(tc, test_parse_bounds);
        tcase_add_test(tc, test_render);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(flows_suite)
