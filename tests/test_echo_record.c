/* test_echo_record.c — the record for grading (src/daemon/echo_record.c) without a
 * socket: wrap-around keeps the newest entries, queries filter by peer and profile and
 * return newest first, resizing keeps the newest, names intern once. */
#include <stdio.h>
#include <string.h>

#include "echo_record.h"
#include "macro.h"
#include "tests.h"

static EchoRecordEntry entry(uint64_t seq, uint8_t host, uint16_t port, uint16_t profile) {
        EchoRecordEntry e = {
                .rx_usec = seq * 1000, .port = port, .profile = profile, .flags = ECHO_RECORD_F_PROBE, .u.seq = seq
        };

        e.addr[10] = e.addr[11] = 0xff;
        e.addr[12] = 127;
        e.addr[15] = host;
        return e;
}

START_TEST(test_wrap_around) {
        EchoRecord r = {};
        EchoRecordEntry out[16];
        EchoRecordFilter any = { .profile = -1 };
        bool more;

        ck_assert_int_eq(echo_record_set_size(&r, 8), 0);
        for (uint64_t s = 0; s < 21; s++) {
                EchoRecordEntry e = entry(s, 1, 4000, 0);

                echo_record_add(&r, &e);
        }
        ck_assert_uint_eq(r.total, 21);
        ck_assert_uint_eq(echo_record_query(&r, &any, out, ELEMENTSOF(out), &more), 8);
        ck_assert(!more);
        for (size_t i = 0; i < 8; i++)
                ck_assert_uint_eq(out[i].u.seq, 20 - i); /* newest first */
        ck_assert_uint_eq(echo_record_query(&r, &any, out, 3, &more), 3);
        ck_assert(more);
        ck_assert_uint_eq(out[2].u.seq, 18);
        echo_record_done(&r);
}
END_TEST

START_TEST(test_filter) {
        EchoRecord r = {};
        EchoRecordEntry out[64];
        EchoRecordFilter f = { .has_peer = true, .port = 4001, .profile = -1 };
        size_t n;

        ck_assert_int_eq(echo_record_set_size(&r, 100), 0);
        for (uint64_t s = 0; s < 60; s++) {
                EchoRecordEntry e =
                        entry(s, (uint8_t) (1 + s % 3), (uint16_t) (4000 + s % 2), (uint16_t) (s % 4));

                echo_record_add(&r, &e);
        }
        f.addr[10] = f.addr[11] = 0xff;
        f.addr[12] = 127;
        f.addr[15] = 2;
        /* host 2 <=> s % 3 == 1, port 4001 <=> s odd: s % 6 == 1 */
        n = echo_record_query(&r, &f, out, ELEMENTSOF(out), NULL);
        ck_assert_uint_eq(n, 10);
        for (size_t i = 0; i < n; i++)
                ck_assert_uint_eq(out[i].u.seq, 55 - 6 * i);
        f.profile = 3; /* s % 4 == 3 and s % 6 == 1: s % 12 == 7 */
        n = echo_record_query(&r, &f, out, ELEMENTSOF(out), NULL);
        ck_assert_uint_eq(n, 5);
        ck_assert_uint_eq(out[0].u.seq, 55);
        ck_assert_uint_eq(out[4].u.seq, 7);
        f.has_peer = false;
        f.profile = 0;
        ck_assert_uint_eq(echo_record_query(&r, &f, out, ELEMENTSOF(out), NULL), 15);
        ck_assert_uint_eq(out[0].u.seq, 56);
        echo_record_done(&r);
}
END_TEST

START_TEST(test_resize_off) {
        EchoRecord r = {};
        EchoRecordEntry out[16], e = entry(1, 1, 4000, 0);
        EchoRecordFilter any = { .profile = -1 };

        echo_record_add(&r, &e); /* off: nothing happens */
        ck_assert_uint_eq(echo_record_query(&r, &any, out, ELEMENTSOF(out), NULL), 0);
        ck_assert_int_eq(echo_record_set_size(&r, 10), 0);
        for (uint64_t s = 0; s < 13; s++) {
                e = entry(s, 1, 4000, 0);
                echo_record_add(&r, &e);
        }
        ck_assert_int_eq(echo_record_set_size(&r, 4), 0); /* keeps the newest four */
        ck_assert_uint_eq(echo_record_query(&r, &any, out, ELEMENTSOF(out), NULL), 4);
        ck_assert_uint_eq(out[0].u.seq, 12);
        ck_assert_uint_eq(out[3].u.seq, 9);
        e = entry(13, 1, 4000, 0);
        echo_record_add(&r, &e);
        ck_assert_int_eq(echo_record_set_size(&r, 16), 0); /* grows, keeps all four */
        ck_assert_uint_eq(echo_record_query(&r, &any, out, ELEMENTSOF(out), NULL), 4);
        ck_assert_uint_eq(out[0].u.seq, 13);
        ck_assert_uint_eq(out[3].u.seq, 10);
        ck_assert_int_eq(echo_record_set_size(&r, ECHO_RECORD_SIZE_MAX + 1), -E2BIG);
        ck_assert_int_eq(echo_record_set_size(&r, 0), 0);
        ck_assert_uint_eq(echo_record_query(&r, &any, out, ELEMENTSOF(out), NULL), 0);
        echo_record_done(&r);
}
END_TEST

START_TEST(test_names) {
        EchoRecord r = {};
        char name[8];

        ck_assert_int_eq(echo_record_intern(&r, "default"), 0);
        ck_assert_int_eq(echo_record_intern(&r, "group-a"), 1);
        ck_assert_int_eq(echo_record_intern(&r, "default"), 0);
        ck_assert_str_eq(echo_record_name(&r, 1), "group-a");
        ck_assert_str_eq(echo_record_name(&r, 7), "?");
        ck_assert_int_eq(echo_record_intern(&r, "012345678901234567890123456789012"), -EINVAL);
        for (int i = 2; i < ECHO_RECORD_NAMES_MAX; i++) {
                snprintf(name, sizeof(name), "p%d", i);
                ck_assert_int_eq(echo_record_intern(&r, name), i);
        }
        ck_assert_int_eq(echo_record_intern(&r, "one-more"), -E2BIG);
        ck_assert_str_eq(echo_record_reason_to_string(ECHO_RECORD_RATE_LIMIT), "rate_limit");
        ck_assert_ptr_null(echo_record_reason_to_string(_ECHO_RECORD_REASON_MAX));
        echo_record_done(&r);
}
END_TEST

static Suite *echo_record_suite(void) {
        Suite *s = suite_create("echo_record");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_wrap_around);
        tcase_add_test(tc, test_filter);
        tcase_add_test(tc, test_resize_off);
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(echo_record_suite)
