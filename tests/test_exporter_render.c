/* test_exporter_render.c — exporter_render.c on hand-made runs: the sample lines of a
 * run with replies and losses, a failed run (success 0 + reason, zero counts, no RTT),
 * several labelled reports (each family's HELP/TYPE once, its samples together), the
 * histogram's cumulative buckets, and the process families. */
#include <string.h>

#include "exporter_render.h"
#include "macro.h"
#include "tests.h"

static Stats *make_run(void) {
        Stats *s = NULL;
        nsec_t rtt;

        ck_assert_int_eq(stats_new(64, &s), 0);
        /* 10 probes: 0..6 answered with RTT 1..7 ms, 7..9 timed out */
        for (uint64_t i = 0; i < 10; i++)
                ck_assert_int_ge(stats_on_send(s, i, i * NSEC_PER_SEC, NULL), 0);
        for (uint64_t i = 0; i < 7; i++)
                ck_assert_int_eq(stats_on_reply(s, i, i * NSEC_PER_SEC + (i + 1) * NSEC_PER_MSEC,
                                                NSEC_PER_SEC, &rtt, NULL),
                                 STATS_VERDICT_REPLY);
        uint64_t seq;
        while (stats_expire(s, 100 * NSEC_PER_SEC, NSEC_PER_SEC, &seq) > 0)
                ;
        return s;
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *p = text; (p = strstr(p, line)); p++)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

static size_t count(const char *text, const char *needle) {
        size_t n = 0;

        for (const char *p = text; (p = strstr(p, needle)); p++)
                n++;
        return n;
}

START_TEST(test_one_run) {
        Stats *s = make_run();
        ExporterReport r = { .stats = s, .duration = 1500 * NSEC_PER_MSEC };
        StrBuf b = {};

        exporter_render_probes(&b, &r, 1, false);
        const char *t = strbuf_str(&b);
        ck_assert(has_line(t, "netlab_probe_success 1"));
        ck_assert(has_line(t, "netlab_probe_duration_seconds 1.5"));
        ck_assert(has_line(t, "netlab_probe_packets_sent 10"));
        ck_assert(has_line(t, "netlab_probe_packets_received 7"));
        ck_assert(has_line(t, "netlab_probe_packets_lost 3"));
        /* no server stamps: every loss is unattributed */
        ck_assert(has_line(t, "netlab_probe_packets_lost_by_cause{cause=\"unattributed\"} 3"));
        ck_assert(has_line(t, "netlab_probe_packets_lost_by_cause{cause=\"emulated\"} 0"));
        ck_assert(has_line(t, "netlab_probe_rtt_min_seconds 0.001"));
        ck_assert(has_line(t, "netlab_probe_rtt_max_seconds 0.007"));
        ck_assert(has_line(t, "netlab_probe_rtt_avg_seconds 0.004"));
        ck_assert(has_line(t, "netlab_probe_rtt_seconds_count 7"));
        ck_assert(has_line(t, "netlab_probe_jitter_seconds 0.001"));
        ck_assert(has_line(t, "# TYPE netlab_probe_rtt_seconds summary"));
        ck_assert_int_eq(b.error, 0);
        strbuf_done(&b);

        exporter_render_probes(&b, &r, 1, true);
        t = strbuf_str(&b);
        ck_assert(has_line(t, "# TYPE netlab_probe_rtt_seconds histogram"));
        /* values on a bound may land on either side (bucket midpoints, 1/2048) */
        ck_assert(has_line(t, "netlab_probe_rtt_seconds_bucket{le=\"0.0005\"} 0"));
        ck_assert(has_line(t, "netlab_probe_rtt_seconds_bucket{le=\"0.0025\"} 2"));
        ck_assert(has_line(t, "netlab_probe_rtt_seconds_bucket{le=\"0.01\"} 7"));
        ck_assert(has_line(t, "netlab_probe_rtt_seconds_bucket{le=\"+Inf\"} 7"));
        strbuf_done(&b);
        stats_free(s);
}
END_TEST

START_TEST(test_failed_and_labels) {
        Stats *s = make_run();
        ExporterReport r[] = {
                { .labels = "target=\"a\",mode=\"udp\"", .stats = s },
                { .labels = "target=\"b\",mode=\"udp\"", .failure = "resolve" },
        };
        StrBuf b = {};

        exporter_render_probes(&b, r, ELEMENTSOF(r), false);
        const char *t = strbuf_str(&b);
        ck_assert(has_line(t, "netlab_probe_success{target=\"a\",mode=\"udp\"} 1"));
        ck_assert(has_line(t, "netlab_probe_success{target=\"b\",mode=\"udp\",reason=\"resolve\"} 0"));
        ck_assert(has_line(t, "netlab_probe_packets_sent{target=\"b\",mode=\"udp\"} 0"));
        ck_assert(!strstr(t, "netlab_probe_rtt_min_seconds{target=\"b\""));
        ck_assert_uint_eq(count(t, "# TYPE netlab_probe_success "), 1);
        ck_assert_uint_eq(count(t, "# TYPE netlab_probe_packets_lost_by_cause "), 1);
        strbuf_done(&b);
        stats_free(s);

        /* a run without any reply: reason no_reply; NaN RTT figures are not printed */
        ExporterReport none = { .failure = "shed" };
        exporter_render_probes(&b, &none, 1, false);
        ck_assert(has_line(strbuf_str(&b), "netlab_probe_success{reason=\"shed\"} 0"));
        strbuf_done(&b);
}
END_TEST

START_TEST(test_process) {
        ExporterProcess p = {
                .version = "1.2\"x",
                .shed_overload = 4,
                .in_flight = 2,
                .http_requests = { 5, 0, 1, 0, 0 },
        };
        StrBuf b = {};

        exporter_render_process(&b, &p);
        const char *t = strbuf_str(&b);
        ck_assert(has_line(t, "netlab_exporter_build_info{version=\"1.2\\\"x\"} 1"));
        ck_assert(has_line(t, "netlab_exporter_probes_shed_total{reason=\"overload\"} 4"));
        ck_assert(has_line(t, "netlab_exporter_probes_in_flight 2"));
        ck_assert(has_line(t, "netlab_exporter_http_requests_total{code=\"2xx\"} 5"));
        ck_assert(has_line(t, "netlab_exporter_http_requests_total{code=\"4xx\"} 1"));
        ck_assert(has_line(t, "# TYPE process_cpu_seconds_total counter"));
        strbuf_done(&b);
}
END_TEST

static Suite *exporter_render_suite(void) {
        Suite *s = suite_create("exporter_render");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_one_run);
        tcase_add_test(tc, test_failed_and_labels);
        tcase_add_test(tc, test_process);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(exporter_render_suite)
