/* test_history.c — the status page's server-side history (src/daemon/history.c): the
 * ring keeps the last HISTORY_SAMPLES samples, ages count from the newest, and the JSON
 * lists them oldest first under the stated columns. */
#include <string.h>

#include "history.h"
#include "macro.h"
#include "tests.h"

START_TEST(test_ring) {
        History h = {};

        ck_assert_ptr_null(history_get(&h, 0));
        for (uint64_t i = 0; i < HISTORY_SAMPLES + 10; i++)
                history_push(&h, &(HistorySample) { .uptime_usec = i * USEC_PER_SEC, .echo_received = i });
        ck_assert_uint_eq(h.count, HISTORY_SAMPLES);
        ck_assert_uint_eq(history_get(&h, 0)->echo_received, HISTORY_SAMPLES + 9);
        ck_assert_uint_eq(history_get(&h, HISTORY_SAMPLES - 1)->echo_received, 10);
        ck_assert_ptr_null(history_get(&h, HISTORY_SAMPLES));
}
END_TEST

START_TEST(test_json) {
        _cleanup_(json_done) Json j = {};
        _cleanup_free_ char *s = NULL;
        History h = {};
        size_t len;

        history_push(&h, &(HistorySample) {
                                 .uptime_usec = 1500 * USEC_PER_MSEC, .echo_received = 3, .http_bytes = 9 });
        history_push(&h, &(HistorySample) {
                                 .uptime_usec = 2500 * USEC_PER_MSEC, .echo_received = 5, .http_errors = 1 });
        json_object_open(&j, NULL);
        history_render_json(&h, &j, "history");
        json_object_close(&j);
        ck_assert_int_eq(json_finish(&j, &s, &len), 0);
        ck_assert(json_validate(s, len));
        ck_assert_str_eq(
                s, "{\"history\":{\"interval_seconds\":1,\"columns\":[\"uptime_seconds\",\"echo_received\","
                   "\"echo_replied\",\"echo_dropped\",\"echo_bytes_out\",\"http_requests\",\"http_errors\","
                   "\"http_bytes\"],\"samples\":[[1.500,3,0,0,0,0,0,9],[2.500,5,0,0,0,0,1,0]]}}");
}
END_TEST

static Suite *history_suite(void) {
        Suite *s = suite_create("history");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_ring);
        tcase_add_test(tc, test_json);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(history_suite)
